"""Fused bidirectional LSTMs on the TensorFlow CPU backend, on the trained layer's own weights.

Keras runs a `Bidirectional(LSTM)` on the CPU as two while loops of about 16 operations per step,
and trains it through the gradient of those loops. `bidirectional_lstm` runs both directions in one
loop (states stacked; per step one batched matmul of `[x_t, 1, h]` with `[kernel; bias;
recurrent_kernel]`, then the gates); `block_lstm` runs each direction as one `BlockLSTM` kernel,
whose registered gradient is one fused kernel too. `implementation` picks the one measured faster
for inference at the layer's input width, `training_implementation` the one for training
(`block_lstm` for narrow inputs, 1.7x Keras' loops on the RNN; Keras' loops for wide ones:
bench/optimization_log.md). `BlockLSTMV2` is not used: on TensorFlow 2.21 its forward pass agrees
with Keras but its gradient is wrong (worst on the forget and cell gates).

- `FusedBidirectional` is the `Bidirectional` the architectures build: on the TensorFlow backend,
  on the CPU, in float32, it computes with these kernels (training and inference); on any other
  backend, device or precision it is Keras' own layer. It saves and loads as a Keras layer.
- `inference_model` clones a model with every fusable `Bidirectional` (models saved before
  `FusedBidirectional` existed) replaced by `FusedBidirectionalLSTM`, which holds the original
  layer and so the same variables; `zoo.saved_models.write_saved_model` exports that clone.

Keras' LSTM (implementation 2): `z = x @ kernel + h @ recurrent_kernel + bias`, gates in the order
i, f, c, o; `c = sigmoid(f) * c + sigmoid(i) * tanh(c_gate)`, `h = sigmoid(o) * tanh(c)`.
"""

from __future__ import annotations

import keras


def bidirectional_lstm(x, kernels, recurrent_kernels, biases):
    """Both directions of a bidirectional LSTM with zero initial states, in one TensorFlow loop.

    The directions are stacked: each step is one batched matmul of `[x_t, 1, h]` (the backward
    direction reads `x` reversed) with `[kernel; bias; recurrent_kernel]`, then the gates.

    Parameters
    ----------
    x : tf.Tensor
        `(batch, steps, features)` inputs; `steps >= 1`.
    kernels : tf.Tensor
        `(2, features, 4 * units)` input kernels, forward then backward, gates i, f, c, o (Keras).
    recurrent_kernels : tf.Tensor
        `(2, units, 4 * units)` recurrent kernels, forward then backward.
    biases : tf.Tensor
        `(2, 4 * units)` biases, forward then backward.

    Returns
    -------
    (tf.Tensor, tf.Tensor)
        Forward and backward hidden states, each `(batch, steps, units)` in input time order (the
        backward state at step `t` has read steps `t .. steps-1`), as Keras'
        `Bidirectional(LSTM(units, return_sequences=True), merge_mode=None)` returns them.
    """
    import tensorflow as tf

    units = recurrent_kernels.shape[1]
    batch, steps = tf.shape(x)[0], tf.shape(x)[1]
    time_major = tf.transpose(x, [1, 0, 2])  # (steps, batch, features)
    time_major = tf.concat([time_major, tf.ones_like(time_major[..., :1])], -1)  # the 1 carries the bias
    both = tf.stack([time_major, tf.reverse(time_major, [0])], 1)  # (steps, 2, batch, features + 1)
    inputs = tf.TensorArray(x.dtype, size=steps).unstack(both)
    weights = tf.concat([kernels, biases[:, None, :], recurrent_kernels], 1)  # (2, features + 1 + units, 4 units)

    def step(t, h, c, outputs):
        z = tf.matmul(tf.concat([inputs.read(t), h], -1), weights)  # (2, batch, 4 units)
        i, f, g, o = tf.split(z, 4, axis=-1)
        c = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(g)
        h = tf.sigmoid(o) * tf.tanh(c)
        return t + 1, h, c, outputs.write(t, h)

    zeros = tf.zeros([2, batch, units], x.dtype)
    outputs = tf.TensorArray(x.dtype, size=steps, element_shape=tf.TensorShape([2, None, units]))
    _, _, _, outputs = tf.while_loop(lambda t, *_: t < steps, step, (tf.constant(0), zeros, zeros, outputs),
                                     parallel_iterations=32)
    hidden = tf.transpose(outputs.stack(), [1, 2, 0, 3])  # (2, batch, steps, units)
    return hidden[0], tf.reverse(hidden[1], [1])


def block_lstm(x, kernels, recurrent_kernels, biases):
    """Both directions of a bidirectional LSTM with zero initial states, each one TensorFlow
    `BlockLSTM` operation (all steps in one fused kernel; its gradient is one kernel too).

    `BlockLSTM` orders the gates i, c, f, o and adds a forget bias: the Keras weights are passed
    with the c and f columns swapped, forget bias 0 and no cell clipping. Parameters and returns as
    `bidirectional_lstm`; differentiable with respect to every argument.
    """
    import tensorflow as tf

    def block_gate_order(weights):  # Keras i, f, c, o -> BlockLSTM i, c, f, o
        i, f, c, o = tf.split(weights, 4, axis=-1)
        return tf.concat([i, c, f, o], -1)

    units = recurrent_kernels.shape[1]
    batch, steps = tf.shape(x)[0], tf.shape(x)[1]
    time_major = tf.transpose(x, [1, 0, 2])  # (steps, batch, features)
    zeros, no_peephole = tf.zeros([batch, units], x.dtype), tf.zeros([units], x.dtype)
    hidden = []
    for direction, inputs in enumerate((time_major, tf.reverse(time_major, [0]))):
        hidden.append(tf.raw_ops.BlockLSTM(
            seq_len_max=tf.cast(steps, tf.int64), x=inputs, cs_prev=zeros, h_prev=zeros,
            w=block_gate_order(tf.concat([kernels[direction], recurrent_kernels[direction]], 0)),
            wci=no_peephole, wcf=no_peephole, wco=no_peephole, b=block_gate_order(biases[direction]),
            forget_bias=0.0, cell_clip=-1.0, use_peephole=False)[6])  # outputs i, cs, f, o, ci, co, h: h (steps, batch, units)
    return tf.transpose(hidden[0], [1, 0, 2]), tf.transpose(tf.reverse(hidden[1], [0]), [1, 0, 2])


def implementation(features: int | None, units: int):
    """`block_lstm` for inputs wider than the state (each step is then mostly the `[x, h]` matmul,
    which one fused kernel does best: cnn_rnn's 128 features), else `bidirectional_lstm` (rnn's 4:
    there the block kernel's seven stored outputs per step cost more than the loop's operations).
    Chosen by measurement (bench/optimization_log.md)."""
    return block_lstm if features is not None and features > units else bidirectional_lstm


def training_implementation(features: int | None, units: int):
    """What trains faster than Keras' loops: `block_lstm` for inputs no wider than the state (rnn's
    4 channels: 1.7x), else None, i.e. Keras' own loops (cnn_rnn's 128 channels, where the block
    kernels' backward pass ran at 0.85x). Chosen by measurement (bench/optimization_log.md)."""
    return block_lstm if features is not None and features <= units else None


def fusable(layer) -> bool:
    """Whether `bidirectional_lstm` and `block_lstm` compute `layer` (float32 to rounding): a float32
    `Bidirectional` of two LSTMs with tanh/sigmoid activations, biases, no dropout,
    `return_sequences=True`, no states returned, not stateful, the backward one reading backwards,
    merged as a pair (`merge_mode=None`) or concatenated."""
    if not isinstance(layer, keras.layers.Bidirectional):
        return False
    forward, backward = layer.forward_layer, layer.backward_layer
    if not all(isinstance(lstm, keras.layers.LSTM) for lstm in (forward, backward)):
        return False
    return (
        layer.compute_dtype == "float32"  # mixed-precision models keep Keras' own rounding
        and layer.merge_mode in (None, "concat") and not layer.return_state and layer.return_sequences
        and not forward.go_backwards and backward.go_backwards
        and forward.units == backward.units
        and all(lstm.activation is keras.activations.tanh and lstm.recurrent_activation is keras.activations.sigmoid
                and lstm.use_bias and not lstm.stateful and not lstm.return_state and lstm.return_sequences
                and lstm.dropout == 0 and lstm.recurrent_dropout == 0  # training would drop, the kernels do not
                for lstm in (forward, backward))
    )


def fused_call(bidirectional, x, lstm):
    """`bidirectional`'s outputs for `x`, computed by `lstm` (`bidirectional_lstm` or `block_lstm`)
    on its own variables (differentiable with respect to them and to `x`).

    Parameters
    ----------
    bidirectional : keras.layers.Bidirectional
        A fusable layer (`fusable`).
    x : tf.Tensor
        `(batch, steps, features)` inputs.
    lstm : callable
        `bidirectional_lstm` or `block_lstm`.

    Returns
    -------
    tf.Tensor or (tf.Tensor, tf.Tensor)
        As the layer returns them: `(batch, steps, 2 * units)` (`merge_mode="concat"`) or the forward
        and backward `(batch, steps, units)` pair (`merge_mode=None`).
    """
    import tensorflow as tf

    dtype = bidirectional.compute_dtype
    cells = (bidirectional.forward_layer.cell, bidirectional.backward_layer.cell)
    forward, backward = lstm(
        tf.cast(x, dtype),
        tf.stack([tf.cast(cell.kernel.value, dtype) for cell in cells]),
        tf.stack([tf.cast(cell.recurrent_kernel.value, dtype) for cell in cells]),
        tf.stack([tf.cast(cell.bias.value, dtype) for cell in cells]),
    )
    if bidirectional.merge_mode == "concat":
        return tf.concat([forward, backward], axis=-1)
    return forward, backward


def runs_fused(layer) -> bool:
    """Whether `FusedBidirectional` computes `layer` with the fused kernels here: the TensorFlow
    backend, no GPU (Keras uses cuDNN there), and a fusable layer (float32, see `fusable`)."""
    if keras.backend.backend() != "tensorflow" or not fusable(layer):
        return False
    import tensorflow as tf

    return not tf.config.list_logical_devices("GPU")


@keras.saving.register_keras_serializable(package="deepmotif")
class FusedBidirectional(keras.layers.Bidirectional):
    """`keras.layers.Bidirectional` that, where `runs_fused` holds, trains with
    `training_implementation`'s choice and infers with `implementation`'s; elsewhere (JAX, a GPU,
    mixed precision, masks or initial states) it is Keras' own layer. Same arguments, weights and
    outputs as `keras.layers.Bidirectional`; input `(batch, steps, features)`.
    """

    def call(self, sequences, initial_state=None, mask=None, training=None):
        if initial_state is None and mask is None and runs_fused(self):
            features, units = sequences.shape[-1], self.forward_layer.units
            lstm = training_implementation(features, units) if training else implementation(features, units)
            if lstm is not None:
                return fused_call(self, sequences, lstm)
        return super().call(sequences, initial_state=initial_state, mask=mask, training=training)


class FusedBidirectionalLSTM(keras.layers.Layer):
    """Inference-only twin of a fusable `Bidirectional(LSTM)` (see `fusable`), on its variables.

    Input `(batch, steps, features)`; output as the wrapped layer's: a pair of `(batch, steps,
    units)` tensors (`merge_mode=None`) or one `(batch, steps, 2 * units)`. Dropout inside the
    LSTMs is inactive at inference, so `training` is ignored. With `differentiated`, the kernels are
    those whose gradient is fastest (`training_implementation`'s, where it has one): for models whose
    input gradients are taken (saliency). Not meant to be saved: the Keras model keeps the original layer.
    """

    def __init__(self, bidirectional, differentiated: bool = False, **kwargs):
        super().__init__(name=bidirectional.name, dtype=bidirectional.dtype_policy, **kwargs)
        self.bidirectional = bidirectional  # tracked: its variables are this layer's weights
        self.differentiated = differentiated
        self.built = True

    def call(self, x, mask=None, initial_state=None, training=None):
        if mask is not None or initial_state is not None:  # not what the fused kernels compute
            return self.bidirectional(x, mask=mask, initial_state=initial_state, training=False)
        features, units = x.shape[-1], self.bidirectional.forward_layer.units
        lstm = implementation(features, units)
        if self.differentiated:
            lstm = training_implementation(features, units) or lstm
        return fused_call(self.bidirectional, x, lstm)

    def compute_output_spec(self, x, mask=None, initial_state=None, training=None):
        return self.bidirectional.compute_output_spec(x)


def inference_model(model, differentiated: bool = False) -> keras.Model:
    """`model` with every fusable `Bidirectional(LSTM)` replaced by `FusedBidirectionalLSTM`.

    Parameters
    ----------
    model : keras.Model
        A functional model (nested functional models, e.g. a strand-averaging model's strand
        network, are searched too), built.
    differentiated : bool, default False
        For taking gradients with respect to the input: the twins use the kernels whose gradient is
        fastest (the RNN's saliency 2.3x the loop's), and only where `runs_fused` holds (on a GPU,
        Keras's cuDNN layer is kept).

    Returns
    -------
    keras.Model
        The same function of the same variables (all other layers are shared, not copied);
        `model` itself when it has no fusable layer. For inference only.
    """
    from deepmotif.zoo.layer_walk import all_layers

    swappable = runs_fused if differentiated else fusable
    if not any(swappable(layer) for layer in all_layers(model)):
        return model

    def swap(layer):
        return FusedBidirectionalLSTM(layer, differentiated) if swappable(layer) else layer

    return keras.models.clone_model(model, clone_function=swap, recursive=True)


__all__ = ["bidirectional_lstm", "block_lstm", "implementation", "fusable", "fused_call", "runs_fused",
           "training_implementation", "FusedBidirectional", "FusedBidirectionalLSTM", "inference_model"]
