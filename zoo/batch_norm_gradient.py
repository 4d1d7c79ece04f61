"""A leaner backward pass for Keras `BatchNormalization` in training, with the same arithmetic.

Keras 3 (TensorFlow backend) normalizes with `tf.nn.moments` and `tf.nn.batch_normalization`, and
TensorFlow's automatic gradient of that graph materializes two full-size broadcasts of per-channel
values (`Mean`'s gradient: `BroadcastTo(g) / N` for the mean and for the variance), divides them
element by element and multiplies one by 2 before adding the three paths into the input gradient.
`lean_batch_norm_gradients` gives each batch norm layer of a model a training call with the same
forward operations and a hand-written backward pass that computes the same values element by
element, but keeps the per-channel factors per channel (`g / N`, `2 * (g / N)`) and lets the
additions broadcast them: four fewer operations over the whole `(batch, length, channels)` tensor per layer.
Losses and weights stay bit-identical to Keras's own gradient on CPU (tests/zoo/test_batch_norm_gradient.py);
training the default CNN is about 5% faster (bench/optimization_log.md entry 9).
Inference, frozen layers, masks, renormalization, synchronized statistics and reduced-precision inputs
keep Keras's own call.
"""

from __future__ import annotations

PATCHED = "_deepmotif_lean_gradient"  # marks a layer already given the lean training call


def _normalize(x, gamma, beta, epsilon: float, axes: list[int], scope: str):
    """`(y, mean, variance)` of Keras's training branch for float32 `x` `(..., channels)`; the
    gradient of `y` with respect to `x`, `gamma` and `beta` equals TensorFlow's automatic one."""
    import tensorflow as tf

    @tf.custom_gradient
    def normalize(x, gamma, beta):
        # tf.nn.moments(x, axes), then tf.nn.batch_normalization, op for op
        mean_kept = tf.reduce_mean(x, axes, keepdims=True)
        variance_kept = tf.reduce_mean(tf.math.squared_difference(x, mean_kept), axes, keepdims=True)
        mean, variance = tf.squeeze(mean_kept, axes), tf.squeeze(variance_kept, axes)
        root = tf.math.rsqrt(variance + epsilon)
        inv = root * gamma
        y = x * inv + (beta - mean * inv)

        def gradient(dy, _dmean=None, _dvariance=None):  # mean and variance feed only the moving averages
            with tf.name_scope(f"{scope}_gradient"):
                count = tf.cast(tf.reduce_prod(tf.gather(tf.shape(x), axes)), x.dtype)
                dbeta = tf.reduce_sum(dy, axes)
                minus = -dbeta
                dinv = tf.reduce_sum(x * dy, axes) + minus * mean
                dvariance = tf.raw_ops.RsqrtGrad(y=root, dy=dinv * gamma)
                from_mean = tf.reshape(minus * inv, tf.shape(mean_kept)) / count
                from_variance = 2.0 * (tf.reshape(dvariance, tf.shape(variance_kept)) / count)
                # autodiff: AddN(dy * inv, BroadcastTo(from_mean), from_variance * (x - mean));
                # Grappler orders both sums alike
                dx = (dy * inv + from_mean) + from_variance * (x - mean_kept)
                return dx, dinv * root, dbeta

        return [y, mean, variance], gradient

    return normalize(x, gamma, beta)


def _lean_call(layer, keras_call):
    """A `call` for `layer` that trains through `_normalize` and otherwise is `keras_call`."""
    import tensorflow as tf

    def call(inputs, training=None, mask=None):
        rank = len(inputs.shape)
        if (training is not True or not layer.trainable or mask is not None or inputs.dtype != tf.float32
                or layer.renorm or layer.synchronized or not (layer.center and layer.scale)
                or layer.axis not in (-1, rank - 1)):
            return keras_call(inputs, training=training, mask=mask)
        axes = list(range(rank - 1))
        gamma, beta = tf.cast(layer.gamma, inputs.dtype), tf.cast(layer.beta, inputs.dtype)
        y, mean, variance = _normalize(inputs, gamma, beta, layer.epsilon, axes, layer.name)
        update_moving_statistics(layer, mean, variance)
        return y

    return call


def update_moving_statistics(layer, mean, variance) -> None:
    """Keras's rule for a batch norm layer's moving statistics after a training batch:
    `moving = moving * momentum + batch * (1 - momentum)`, for `(channels,)` batch `mean` and biased `variance`."""
    import tensorflow as tf

    for moving, batch in ((layer.moving_mean, mean), (layer.moving_variance, variance)):
        moving.assign(tf.cast(moving, batch.dtype) * layer.momentum + batch * (1.0 - layer.momentum))


def replace_training_calls(model, marker: str, make_call) -> list[str]:
    """Give every `BatchNormalization` layer of `model` (nested models included) the call
    `make_call(layer, previous_call)`, once per `marker` (a layer already given it is skipped).

    Returns the names of the layers changed by this call; empty under a backend other than
    TensorFlow, where Keras's own call is kept (the replacements are TensorFlow ops)."""
    import keras

    from deepmotif.zoo.layer_walk import all_layers

    if keras.backend.backend() != "tensorflow":
        return []
    changed = []
    for layer in all_layers(model):
        if isinstance(layer, keras.layers.BatchNormalization) and not getattr(layer, marker, False):
            layer.call = make_call(layer, layer.call)
            setattr(layer, marker, True)
            changed.append(layer.name)
    return changed


def lean_batch_norm_gradients(model) -> list[str]:
    """Give every `BatchNormalization` layer of `model` (nested models included) the lean training call.

    Call before the training step is traced (before `compile`/`fit`). Idempotent; the saved model
    (`model.save`, exports) is unchanged: only the running object's training call differs.

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
    return replace_training_calls(model, PATCHED, _lean_call)
