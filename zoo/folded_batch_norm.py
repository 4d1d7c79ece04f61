"""Convolution, inference batch norm and ReLU folded into one convolution, for exported graphs.

At inference a batch norm is a per-channel affine map, `y = (z - mean) * s + beta` with
`s = gamma / sqrt(variance + epsilon)`, so after a convolution without bias it is the same
convolution with kernel `kernel * s` and bias `beta - mean * s`. `FoldedConvolution` computes
`relu(batch_norm(conv(x)))` that way, the folded kernel and bias derived in the graph from the
trained layers' own variables at each call (a few thousand multiplications; the weights are
neither copied nor changed), as a 2-D `Conv2D` + `BiasAdd` + `Relu` that TensorFlow's graph
optimizer runs as one oneDNN convolution: three passes over each activation fewer than Keras'
convolution, batch norm (multiply, add) and ReLU. Outputs equal the Keras layers' to float32
rounding (bench/optimization_log.md has the speed). `fold_batch_norms` clones a model with every
such chain (the architectures name them `convN`, `convN_bn`, `convN_relu`) replaced; the
SavedModel export (`zoo.saved_models.write_saved_model`) scores with that clone. Training and the
Keras model are untouched.
"""

from __future__ import annotations

import keras


class FoldedConvolution(keras.layers.Layer):
    """Inference-only `relu(batch_norm(conv(x)))` as one convolution on the three layers' variables.

    Input `(batch, length, in_channels)`; output `(batch, out_length, filters)` as the chain's.
    Not meant to be saved: the Keras model keeps the original layers.
    """

    def __init__(self, convolution, batch_norm, relu: bool, **kwargs):
        super().__init__(name=convolution.name, dtype=convolution.dtype_policy, **kwargs)
        self.convolution, self.batch_norm, self.relu = convolution, batch_norm, relu  # tracked: shared variables
        self.built = True

    def folded_weights(self):
        """The folded `(kernel_size, in_channels, filters)` kernel and `(filters,)` bias."""
        import tensorflow as tf

        norm, conv = self.batch_norm, self.convolution
        scale = tf.math.rsqrt(norm.moving_variance.value + norm.epsilon)
        if norm.scale:
            scale = scale * norm.gamma.value
        bias = -norm.moving_mean.value * scale
        if norm.center:
            bias = bias + norm.beta.value
        if conv.use_bias:
            bias = bias + conv.bias.value * scale
        return conv.kernel.value * scale, bias

    def call(self, x, mask=None, training=None):
        import tensorflow as tf

        kernel, bias = self.folded_weights()
        conv = self.convolution
        y = tf.nn.conv2d(x[:, None], kernel[None], strides=[1, 1, conv.strides[0], 1],
                         padding=conv.padding.upper(), dilations=[1, 1, conv.dilation_rate[0], 1])
        y = tf.nn.bias_add(y, bias)
        if self.relu:
            y = tf.nn.relu(y)
        return y[:, 0]

    def compute_output_spec(self, x, mask=None, training=None):
        return self.convolution.compute_output_spec(x)


class PassThrough(keras.layers.Layer):
    """Identity standing in for a layer whose work a `FoldedConvolution` already did."""

    def call(self, x, mask=None, training=None):
        return x

    def compute_output_spec(self, x, mask=None, training=None):
        return keras.KerasTensor(x.shape, dtype=x.dtype)


def foldable(convolution, batch_norm, activation) -> bool:
    """Whether `FoldedConvolution` can compute `activation(batch_norm(convolution(x)))` at inference:
    a float32 `Conv1D` (channels last, `valid` or `same` padding, one group, no activation of its
    own), a float32 `BatchNormalization` over the channels, and a ReLU or linear `Activation` (or
    None). That the three are chained is the caller's to know (`fold_batch_norms` checks outputs)."""
    layers = keras.layers
    if not (isinstance(convolution, layers.Conv1D) and type(batch_norm) is layers.BatchNormalization):
        return False
    return (
        convolution.compute_dtype == "float32" and batch_norm.compute_dtype == "float32"
        and convolution.data_format == "channels_last" and convolution.padding in ("valid", "same")
        and convolution.groups == 1 and convolution.activation is keras.activations.linear
        and batch_norm.axis in (-1, 2)
        and (activation is None or (isinstance(activation, layers.Activation)
                                    and activation.activation in (keras.activations.relu, keras.activations.linear)))
    )


def fold_batch_norms(model) -> keras.Model:
    """`model` with every foldable convolution -> batch norm -> activation chain (`foldable`) run as
    one `FoldedConvolution`, the batch norm and activation layers passed through.

    The chains are found by the architectures' names (`convN`, `convN_bn`, `convN_relu`), each
    checked with `foldable`; the clone is kept only if it scores a random batch as `model` does
    (outputs within 1e-4), so a model whose layers bear these names but are wired
    otherwise is returned unfolded.

    Parameters
    ----------
    model : keras.Model
        A built functional model (nested functional models, e.g. a strand-averaging model's strand
        network, are searched too).

    Returns
    -------
    keras.Model
        The same function of the same variables for inference (float32 rounding apart); `model`
        itself when it has no foldable chain.
    """
    from deepmotif.zoo.layer_walk import all_layers

    by_name = {layer.name: layer for layer in all_layers(model)}
    folded, passed = {}, set()
    for name, layer in by_name.items():
        norm, activation = by_name.get(f"{name}_bn"), by_name.get(f"{name}_relu")
        if norm is not None and foldable(layer, norm, activation):
            relu = activation is not None and activation.activation is keras.activations.relu
            folded[id(layer)] = (layer, norm, relu)
            passed |= {id(norm)} | ({id(activation)} if activation is not None else set())
    if not folded:
        return model

    def swap(layer):
        if id(layer) in folded:
            return FoldedConvolution(*folded[id(layer)])
        if id(layer) in passed:
            return PassThrough(name=layer.name)
        return layer

    clone = keras.models.clone_model(model, clone_function=swap, recursive=True)
    return clone if _same_scores(model, clone) else model


def _same_scores(model, clone, tolerance: float = 1e-4) -> bool:
    """Whether `clone` scores 16 random one-hot windows as `model` does (max |difference| of the
    outputs within `tolerance`)."""
    import numpy as np

    from deepmotif.zoo.architectures import recorded_window

    length = recorded_window(model) or 101
    rng = np.random.default_rng(0)
    x = np.eye(4, dtype="float32")[rng.integers(0, 4, (16, length))]
    expected = keras.ops.convert_to_numpy(model(x, training=False))
    got = keras.ops.convert_to_numpy(clone(x, training=False))
    return expected.shape == got.shape and bool(np.abs(expected - got).max() <= tolerance)


__all__ = ["FoldedConvolution", "PassThrough", "foldable", "fold_batch_norms"]
