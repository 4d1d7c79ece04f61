"""What the batch norm training tests share: a slice of real synthetic data and a short recipe fit."""

from __future__ import annotations

import numpy as np

SYNTH = "synthetic_tfbs/gata1"
SMALL = {"cnn": {"filters": [16, 16, 16]}, "cnn_rnn": {"filters": [16], "lstm_units": 8}}


def gata1_windows(data_dir, n: int = 300):
    """The first `n` training windows of the synthetic GATA1 set: tokens `(n, 101)` uint8, labels `(n,)` float32."""
    from deepmotif.datasets.pipeline import prepared_builder, read_split

    arrays = read_split(prepared_builder(SYNTH, data_dir=data_dir), SYNTH, "train")
    return arrays["tokens"][:n], arrays["label"][:n].astype(np.float32)


def trained(arch, tokens, labels, patches=(), epochs=2, batch=64):
    """`(model, history, changed)` after `epochs` of Keras fit with the default recipe (batch norm, both
    strands), each of `patches` (e.g. `lean_batch_norm_gradients`) applied to the model first in order;
    `changed` lists the layers the last one changed."""
    import keras

    from deepmotif.datasets.pipeline import epoch_batches
    from deepmotif.zoo.architectures import build
    from deepmotif.zoo.recipes import get_recipe, make_optimizer
    from deepmotif.zoo.training import deterministic

    recipe = get_recipe("default", arch)
    steps = -(-len(labels) // batch)  # 300 windows: 5 steps, the last one of 44 rows
    with deterministic(0):
        model = build(arch, batch_norm=True, reverse_complement=True, **SMALL[arch])
        changed = []
        for patch in patches:
            changed = patch(model)
        model.compile(optimizer=make_optimizer(recipe, steps), loss=keras.losses.BinaryCrossentropy(),
                      metrics=[keras.metrics.AUC(name="auroc")])
        history = model.fit(epoch_batches(tokens, labels, batch, epochs=epochs), epochs=epochs,
                            steps_per_epoch=steps, verbose=0, shuffle=False)
    return model, history.history, changed
