"""The lean batch norm gradient (`deepmotif.zoo.batch_norm_gradient`) trains to the same weights, bit
for bit, as Keras's own gradient, on the synthetic GATA1 data through the recipe's optimizer; and the
lean path really is the one traced."""

import numpy as np
import pytest

from deepmotif.core.sequences import one_hot
from deepmotif.datasets.pipeline import epoch_batches, prepared_builder, read_split
from deepmotif.zoo.architectures import build
from deepmotif.zoo.batch_norm_gradient import lean_batch_norm_gradients
from deepmotif.zoo.recipes import get_recipe, make_optimizer
from deepmotif.zoo.training import deterministic

SYNTH = "synthetic_tfbs/gata1"
SMALL = {"cnn": {"filters": [16, 16, 16]}, "cnn_rnn": {"filters": [16], "lstm_units": 8}}


@pytest.fixture(scope="module")
def gata1(tfds_data_dir):
    """The first 300 training windows of the synthetic GATA1 set: tokens (300, 101) uint8, labels (300,)."""
    arrays = read_split(prepared_builder(SYNTH, data_dir=tfds_data_dir), SYNTH, "train")
    return arrays["tokens"][:300], arrays["label"][:300].astype(np.float32)


def _trained(arch, tokens, labels, lean, epochs=2, batch=64):
    """`(model, history)` after `epochs` of Keras fit with the default recipe (batch norm, both strands)."""
    import keras

    recipe = get_recipe("default", arch)
    steps = -(-len(labels) // batch)  # 5 steps, the last one of 44 rows
    with deterministic(0):
        model = build(arch, batch_norm=True, reverse_complement=True, **SMALL[arch])
        changed = lean_batch_norm_gradients(model) if lean else []
        model.compile(optimizer=make_optimizer(recipe, steps), loss=keras.losses.BinaryCrossentropy(),
                      metrics=[keras.metrics.AUC(name="auroc")])
        history = model.fit(epoch_batches(tokens, labels, batch, epochs=epochs), epochs=epochs,
                            steps_per_epoch=steps, verbose=0, shuffle=False)
    return model, history.history, changed


@pytest.mark.parametrize("arch", ["cnn", "cnn_rnn"])
def test_training_is_bit_identical_to_keras_gradient(arch, gata1):
    tokens, labels = gata1
    keras_model, keras_history, _ = _trained(arch, tokens, labels, lean=False)
    lean_model, lean_history, changed = _trained(arch, tokens, labels, lean=True)
    assert changed == ([f"conv{i}_bn" for i in (1, 2, 3)] if arch == "cnn" else ["conv1_bn"])
    assert lean_history == keras_history  # losses and auROC of every epoch
    assert keras_history["loss"][-1] != keras_history["loss"][0]  # the weights moved
    for a, b in zip(keras_model.weights, lean_model.weights):  # moving statistics included
        assert a.name == b.name and np.array_equal(a.numpy(), b.numpy()), a.path
    x = one_hot(tokens[:100])
    assert np.array_equal(keras_model.predict(x, verbose=0), lean_model.predict(x, verbose=0))


def test_gradient_of_one_step_equals_autodiff_and_lean_path_is_traced(gata1):
    import tensorflow as tf

    tokens, labels = gata1
    x, y = tf.constant(one_hot(tokens[:77])), tf.constant(labels[:77, None])
    keras_model = build("cnn", batch_norm=True, dropout=0.0, **SMALL["cnn"])  # no dropout: two models, one mask
    lean_model = build("cnn", batch_norm=True, dropout=0.0, **SMALL["cnn"])
    lean_model.set_weights(keras_model.get_weights())
    assert len(lean_batch_norm_gradients(lean_model)) == 3
    assert lean_batch_norm_gradients(lean_model) == []  # idempotent

    def gradients(model):
        @tf.function
        def step(x, y):
            with tf.GradientTape() as tape:
                tape.watch(x)  # the input's gradient passes every batch norm's input gradient
                loss = tf.reduce_mean(tf.keras.losses.binary_crossentropy(y, model(x, training=True)))
            return tape.gradient(loss, [x] + model.trainable_variables)

        return [g.numpy() for g in step(x, y)], step.get_concrete_function(x, y).graph

    expected, keras_graph = gradients(keras_model)
    got, lean_graph = gradients(lean_model)
    assert all(np.array_equal(a, b) for a, b in zip(expected, got))
    assert any(np.abs(g).max() > 0 for g in got)
    lean_ops = [op.name for op in lean_graph.get_operations()]
    assert any("conv2_bn_gradient" in name for name in lean_ops)
    broadcasts = [op for op in keras_graph.get_operations() if "_bn" in op.name and op.type in ("BroadcastTo", "Tile")]
    assert broadcasts and not [op for op in lean_graph.get_operations()
                               if "_bn" in op.name and op.type in ("BroadcastTo", "Tile")]
    # inference is Keras's own call
    assert np.array_equal(keras_model(x, training=False).numpy(), lean_model(x, training=False).numpy())
