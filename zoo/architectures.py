"""The Deep Motif Dashboard's three architectures, in backend-neutral Keras 3.

Every model maps one-hot DNA `(batch, L, 4)` to a binding probability `(batch, 1)`.
Layer names are part of the API: `interpret/` and `export` find them by name.
- `logit`: the positive-class score before the sigmoid (float32 even under mixed precision).
- `probability`: the float32 sigmoid output.
- `conv1`, `conv2`, `conv3`: convolutions (`cnn`; `cnn_rnn` has only `conv1`).
- `bilstm`: the bidirectional LSTM (`rnn`, `cnn_rnn`), returning both directions' sequences.
"""

from __future__ import annotations

import keras
from keras import layers, ops

from deepmotif.core.sequences import DEFAULT_SEQ_LEN
from deepmotif.zoo.hyperparameters import ARCHITECTURES, DEFAULTS, architecture_config  # noqa: F401  (public here too)


@keras.saving.register_keras_serializable(package="deepmotif")
class ReverseComplement(layers.Layer):
    """One-hot ACGT `(batch, L, 4)` -> its reverse complement (flip length and channels)."""

    def call(self, x):
        return ops.flip(ops.flip(x, axis=1), axis=2)


def _conv_block(x, filters, kernel_size, padding, batch_norm, name):
    x = layers.Conv1D(filters, kernel_size, padding=padding, use_bias=not batch_norm, name=name)(x)
    if batch_norm:
        x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


def _bilstm_mean(x, units):
    """Bi-LSTM whose each direction is averaged over time, then concatenated (paper's RNN)."""
    forward, backward = layers.Bidirectional(
        layers.LSTM(units, return_sequences=True), merge_mode=None, name="bilstm"
    )(x)
    forward = layers.GlobalAveragePooling1D(name="forward_mean")(forward)
    backward = layers.GlobalAveragePooling1D(name="backward_mean")(backward)
    return layers.Concatenate(name="bilstm_mean")([forward, backward])


def _features(x, cfg):
    arch = cfg["arch"]
    if arch == "cnn":
        for i, (f, k) in enumerate(zip(cfg["filters"], cfg["kernel_sizes"]), start=1):
            x = _conv_block(x, f, k, "valid", cfg["batch_norm"], f"conv{i}")
            if i < len(cfg["filters"]):
                x = layers.MaxPooling1D(cfg["pool_size"], name=f"pool{i}")(x)
        x = layers.GlobalMaxPooling1D(name="global_max")(x)
    elif arch == "rnn":
        x = _bilstm_mean(x, cfg["lstm_units"])
    else:  # cnn_rnn
        for i, (f, k) in enumerate(zip(cfg["filters"], cfg["kernel_sizes"]), start=1):
            x = _conv_block(x, f, k, "same", cfg["batch_norm"], f"conv{i}")
        x = _bilstm_mean(x, cfg["lstm_units"])
    return layers.Dropout(cfg["dropout"], name="dropout")(x)


def build(arch: str, seq_len: int = DEFAULT_SEQ_LEN, **overrides) -> keras.Model:
    """Build `arch` (`cnn`, `rnn` or `cnn_rnn`) for one-hot input `(batch, seq_len, 4)`.

    Uses the global dtype policy (set it with `keras.mixed_precision.set_global_policy`
    before building); `logit` and `probability` are always float32.
    """
    cfg = architecture_config(arch, seq_len, **overrides)
    inputs = keras.Input((cfg["seq_len"], 4), name="one_hot")
    core_in = keras.Input((cfg["seq_len"], 4), name="one_hot")
    core_logit = layers.Dense(1, dtype="float32", name="logit")(_features(core_in, cfg))
    if cfg["reverse_complement"]:
        core = keras.Model(core_in, core_logit, name=f"{arch}_strand")
        logit = layers.Average(dtype="float32", name="logit")(
            [core(inputs), core(ReverseComplement(name="reverse_complement")(inputs))]
        )
        outputs = layers.Activation("sigmoid", dtype="float32", name="probability")(logit)
        return keras.Model(inputs, outputs, name=arch)
    outputs = layers.Activation("sigmoid", dtype="float32", name="probability")(core_logit)
    return keras.Model(core_in, outputs, name=arch)


def logit_model(model: keras.Model) -> keras.Model:
    """The same network, ending at the float32 `logit` (what saliency differentiates)."""
    return keras.Model(model.inputs, model.get_layer("logit").output, name=f"{model.name}_logit")
