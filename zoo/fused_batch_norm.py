"""Batch norm trained through TensorFlow's fused kernel (`FusedBatchNormV3`, oneDNN on the CPU).

Keras 3 (TensorFlow backend) trains `BatchNormalization` as `tf.nn.moments` plus
`tf.nn.batch_normalization`, unfused: the batch statistics, the normalization and their automatic
gradient take about a dozen passes over each `(batch, length, channels)` activation, and batch
norm was 28-35% of the CNN's training op time (bench/optimization_log.md entry 9). The fused
kernel computes statistics and normalization in one pass forward and its gradient in one pass
back. It is the same function, but its sums run in another order, so losses and weights agree with
Keras's layer to float32 rounding, not bit for bit (tests/zoo/test_fused_batch_norm.py; speed in
bench/optimization_log.md entry 12). The moving statistics are kept as Keras keeps them: the batch
variance without Bessel's correction, the same momentum.

`fused_batch_norm_training` gives each batch norm layer of a model that training call; inference,
frozen layers, masks, renormalization, synchronized statistics, inputs other than float32
`(batch, length, channels)`, and an epsilon below the kernel's minimum keep Keras's own call (or
`zoo.batch_norm_gradient`'s, if that was given first). The saved model is unchanged.
"""

from __future__ import annotations

from deepmotif.zoo.batch_norm_gradient import replace_training_calls, update_moving_statistics

PATCHED = "_deepmotif_fused_training"  # marks a layer already given the fused training call
MIN_EPSILON = 1.001e-5  # FusedBatchNormV3 rejects a smaller epsilon


def fused_normalize(x, gamma, beta, epsilon: float):
    """Batch-normalize float32 `x` over all axes but the last, with its own statistics.

    Parameters
    ----------
    x : tf.Tensor
        `(batch, length, channels)` activations.
    gamma, beta : tf.Tensor
        `(channels,)` scale and offset.
    epsilon : float
        At least `MIN_EPSILON`.

    Returns
    -------
    (tf.Tensor, tf.Tensor, tf.Tensor)
        `y` `(batch, length, channels)`, the batch mean and the batch variance `(channels,)` (biased,
        as `tf.nn.moments` gives it). Differentiable with respect to `x`, `gamma` and `beta`.
    """
    import tensorflow as tf

    y, mean, variance = tf.compat.v1.nn.fused_batch_norm(  # as NHWC images of height 1
        tf.expand_dims(x, 1), gamma, beta, epsilon=epsilon, data_format="NHWC", is_training=True)
    count = tf.cast(tf.shape(x)[0] * tf.shape(x)[1], variance.dtype)
    variance = variance * ((count - 1.0) / tf.maximum(count, 1.0))  # the kernel returns the unbiased variance
    return tf.squeeze(y, 1), mean, variance


def _fused_call(layer, fallback_call):
    """A `call` for `layer` that trains through `fused_normalize` and otherwise is `fallback_call`."""
    import tensorflow as tf

    def call(inputs, training=None, mask=None):
        if (training is not True or not layer.trainable or mask is not None or inputs.dtype != tf.float32
                or len(inputs.shape) != 3 or layer.renorm or layer.synchronized
                or not (layer.center and layer.scale) or layer.axis not in (-1, 2) or layer.epsilon < MIN_EPSILON):
            return fallback_call(inputs, training=training, mask=mask)
        y, mean, variance = fused_normalize(inputs, layer.gamma.value, layer.beta.value, layer.epsilon)
        update_moving_statistics(layer, mean, variance)
        return y

    return call


def fused_batch_norm_training(model) -> list[str]:
    """Give every `BatchNormalization` layer of `model` (nested models included) the fused training call.

    Call before the training step is traced (before `compile`/`fit`). Idempotent; `model.save` and
    exports are unchanged: only the running object's training call differs.

    Parameters
    ----------
    model : keras.Model
        Any Keras model; one without batch norm is left as it is.

    Returns
    -------
    list of str
        Names of the layers changed by this call (already changed ones are not listed again); empty
        under a backend other than TensorFlow, where Keras's own call is kept.
    """
    return replace_training_calls(model, PATCHED, _fused_call)


__all__ = ["MIN_EPSILON", "fused_normalize", "fused_batch_norm_training"]
