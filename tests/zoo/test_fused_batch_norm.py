"""Batch norm trained through the fused kernel (`deepmotif.zoo.fused_batch_norm`) computes Keras's
function: outputs, gradients and moving statistics to float32 rounding, and training on the synthetic
GATA1 data through the recipe's optimizer lands on Keras's weights to rounding; the fused path is the
one traced, and what it cannot compute falls back."""

import numpy as np
import pytest

from deepmotif.zoo.architectures import build
from deepmotif.zoo.batch_norm_gradient import lean_batch_norm_gradients
from deepmotif.zoo.fused_batch_norm import MIN_EPSILON, fused_batch_norm_training, fused_normalize


def test_outputs_statistics_and_gradients_equal_keras_batch_norm():
    import tensorflow as tf

    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(1.5, 2.0, (16, 37, 8)).astype(np.float32))
    gamma = tf.constant(rng.uniform(0.5, 2.0, 8).astype(np.float32))
    beta = tf.constant(rng.normal(0, 1, 8).astype(np.float32))
    probe = tf.constant(rng.normal(0, 1, (16, 37, 8)).astype(np.float32))

    def keras_way(x, gamma, beta):
        mean, variance = tf.nn.moments(x, [0, 1])
        return tf.nn.batch_normalization(x, mean, variance, beta, gamma, 1e-3), mean, variance

    results = []
    for normalize in (keras_way, lambda *a: fused_normalize(*a, epsilon=1e-3)):
        with tf.GradientTape() as tape:
            tape.watch([x, gamma, beta])
            y, mean, variance = normalize(x, gamma, beta)
            loss = tf.reduce_sum(y * probe)
        results.append([y, mean, variance, *tape.gradient(loss, [x, gamma, beta])])
    names = ("y", "mean", "variance (biased)", "dx", "dgamma", "dbeta")
    for name, expected, got in zip(names, *results):
        scale = float(tf.reduce_max(tf.abs(expected)))
        np.testing.assert_allclose(got, expected, rtol=0, atol=2e-5 * max(scale, 1.0), err_msg=name)
    assert float(tf.reduce_max(tf.abs(results[0][2] * 592 / 591 - results[1][2]))) > 1e-4  # Bessel's factor shows


@pytest.mark.parametrize("arch", ["cnn", "cnn_rnn"])
def test_training_lands_on_keras_weights_to_rounding(gata1, batch_norm_training, arch, monkeypatch):
    from deepmotif.zoo import fused_batch_norm

    traced = []
    original = fused_batch_norm.fused_normalize
    monkeypatch.setattr(fused_batch_norm, "fused_normalize", lambda *a, **k: traced.append(1) or original(*a, **k))
    tokens, labels = gata1
    small = batch_norm_training.SMALL[arch]
    # batch norm as fit_model trains it: the lean gradient, then the fused kernel over it
    fused_model, fused_history, changed = batch_norm_training.trained(
        arch, tokens, labels, [lean_batch_norm_gradients, fused_batch_norm_training])
    assert len(changed) == len(small["filters"]) and traced  # every batch norm, through the fused kernel
    keras_model, keras_history, _ = batch_norm_training.trained(arch, tokens, labels)
    np.testing.assert_allclose(fused_history["loss"], keras_history["loss"], rtol=1e-3)
    start = build(arch, batch_norm=True, reverse_complement=True, **small).get_weights()
    moved = max(float(np.abs(a - b).max()) for a, b in zip(keras_model.get_weights(), start))
    assert moved > 1e-2  # training moved the weights, so agreeing weights mean agreeing training
    for variable, a, b in zip(keras_model.weights, fused_model.get_weights(), keras_model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=2e-3 * max(1.0, float(np.abs(b).max())), err_msg=variable.path)


def test_what_the_kernel_cannot_compute_keeps_keras_call():
    import keras
    import tensorflow as tf

    x = tf.constant(np.random.default_rng(1).normal(size=(4, 9, 3)).astype(np.float32))
    for layer, inputs in ((keras.layers.BatchNormalization(epsilon=MIN_EPSILON / 10), x),
                          (keras.layers.BatchNormalization(dtype="mixed_float16"), x),  # computes in float16
                          (keras.layers.BatchNormalization(), tf.reshape(x, (4, 3, 3, 3)))):
        expected_layer = keras.layers.BatchNormalization.from_config(layer.get_config())
        model = keras.Sequential([layer])
        model.build(inputs.shape)
        expected_layer.build(inputs.shape)
        fused_batch_norm_training(model)
        np.testing.assert_array_equal(np.asarray(layer(inputs, training=True), dtype=np.float32),
                                      np.asarray(expected_layer(inputs, training=True), dtype=np.float32))
    assert fused_batch_norm_training(model) == []  # idempotent
