"""The Deep Motif Dashboard's three architectures, in backend-neutral Keras 3.

Every model maps one-hot DNA `(batch, L, 4)` to a binding probability `(batch, 1)`. The input
length is `None`: the convolutional models accept any length, but every model is meant to score
windows of the length it was trained on, which the `window` layer records (`window_of`); longer
sequences are scanned window by window (`deepmotif.zoo.scanning`). The recurrent models mean-pool
over their whole input, so feeding them a longer sequence is not a scan.
Layer names are part of the API: `interpret/` and `export` find them by name.
- `window`: identity that records the trained window length (`TrainedWindow.length`).
- `logit`: the positive-class score before the sigmoid (float32 even under mixed precision).
- `probability`: the float32 sigmoid output.
- `conv1`, `conv2`, `conv3`: convolutions (`cnn`; `cnn_rnn` has only `conv1`).
- `bilstm`: the bidirectional LSTM (`rnn`, `cnn_rnn`), returning both directions' sequences: a
  `zoo.fused_lstm.FusedBidirectional` (Keras' `Bidirectional`, fused kernels on the TensorFlow CPU backend).
"""

from __future__ import annotations

import keras
from keras import layers, ops

from deepmotif.core.sequences import DEFAULT_SEQ_LEN
from deepmotif.zoo.fused_lstm import FusedBidirectional
from deepmotif.zoo.hyperparameters import ARCHITECTURES, DEFAULTS, architecture_config  # noqa: F401  (public here too)


@keras.saving.register_keras_serializable(package="deepmotif")
class ReverseComplement(layers.Layer):
    """One-hot ACGT `(batch, L, 4)` -> its reverse complement (flip length and channels)."""

    def call(self, x):
        return ops.flip(ops.flip(x, axis=1), axis=2)


@keras.saving.register_keras_serializable(package="deepmotif")
class TrainedWindow(layers.Layer):
    """Identity on `(batch, L, 4)` that records `length`, the window (bp) the model was trained on.

    The model's Input is `(None, 4)`, so the length would otherwise be lost on save; this layer keeps
    it in the `.keras` file (and so in every exported `assets.extra/keras_model.json`).
    """

    def __init__(self, length: int, **kwargs):
        super().__init__(**kwargs)
        self.length = int(length)

    def call(self, x):
        return x

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "length": self.length}


def _conv_block(x, filters, kernel_size, padding, batch_norm, name):
    x = layers.Conv1D(filters, kernel_size, padding=padding, use_bias=not batch_norm, name=name)(x)
    if batch_norm:
        x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


def _bilstm_mean(x, units):
    """Bi-LSTM whose each direction is averaged over time, then concatenated (paper's RNN)."""
    forward, backward = FusedBidirectional(  # Keras' Bidirectional; fused kernels on the TF CPU backend
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
    """Build one of the paper's architectures for one-hot DNA.

    The Input is `(None, 4)`; `seq_len` is recorded in the `window` layer (see `window_of`).
    With `reverse_complement=True` the model scores each sequence and its reverse complement with one
    network and averages the two logits, so both strands get one score.
    Uses the global dtype policy (set it with `keras.mixed_precision.set_global_policy`
    before building); `logit` and `probability` are always float32.

    Parameters
    ----------
    arch : {"cnn", "rnn", "cnn_rnn"}
        `ARCHITECTURES`.
    seq_len : int, default 101
        The window length the model is trained on.
    **overrides
        Hyperparameters of `arch` (`deepmotif.zoo.hyperparameters.DEFAULTS`), e.g. `filters=[64, 64, 64]`,
        `lstm_units=64`, `dropout=0.3`, `batch_norm=True`, `reverse_complement=True`; an unknown name
        raises `UnknownNameError`.

    Returns
    -------
    keras.Model
        One-hot `(batch, L, 4)` float32 -> probability `(batch, 1)` float32, with layers named `logit`,
        `probability`, `conv1..3` (cnn; cnn_rnn has `conv1`) and `bilstm` (rnn, cnn_rnn).
    """
    cfg = architecture_config(arch, seq_len, **overrides)
    inputs = keras.Input((None, 4), name="one_hot")
    x = TrainedWindow(cfg["seq_len"], dtype="float32", name="window")(inputs)
    if cfg["reverse_complement"]:
        core_in = keras.Input((None, 4), name="one_hot")
        core_logit = layers.Dense(1, dtype="float32", name="logit")(_features(core_in, cfg))
        core = keras.Model(core_in, core_logit, name=f"{arch}_strand")
        logit = layers.Average(dtype="float32", name="logit")(
            [core(x), core(ReverseComplement(name="reverse_complement")(x))]
        )
    else:
        logit = layers.Dense(1, dtype="float32", name="logit")(_features(x, cfg))
    outputs = layers.Activation("sigmoid", dtype="float32", name="probability")(logit)
    return keras.Model(inputs, outputs, name=arch)


def recorded_window(model) -> int | None:
    """The trained window length a model records: its `window` layer, else a fixed Input length
    (models saved before the Input became `(None, 4)`), else None."""
    for layer in model.layers:
        if isinstance(layer, TrainedWindow):
            return layer.length
    return model.inputs[0].shape[1]


def averages_strands(model) -> bool:
    """Whether `model` averages a sequence's and its reverse complement's logits inside itself."""
    return any(isinstance(layer, ReverseComplement) for layer in model.layers)


def logit_model(model: keras.Model) -> keras.Model:
    """The same network, ending at the float32 `logit` (what saliency differentiates)."""
    return keras.Model(model.input, model.get_layer("logit").output, name=f"{model.name}_logit")  # one input, as `model`
