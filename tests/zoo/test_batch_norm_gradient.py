"""The lean batch norm gradient (`deepmotif.zoo.batch_norm_gradient`) trains to the same weights, bit
for bit, as Keras's own gradient, on the synthetic GATA1 data through the recipe's optimizer; and the
lean path really is the one traced."""

import numpy as np
import pytest

from deepmotif.core.sequences import one_hot
from deepmotif.zoo.architectures import build
from deepmotif.zoo.batch_norm_gradient import lean_batch_norm_gradients


@pytest.mark.parametrize("arch", ["cnn", "cnn_rnn"])
def test_training_is_bit_identical_to_keras_gradient(arch, gata1, batch_norm_training):
    tokens, labels = gata1
    keras_model, keras_history, _ = batch_norm_training.trained(arch, tokens, labels)
    lean_model, lean_history, changed = batch_norm_training.trained(arch, tokens, labels, [lean_batch_norm_gradients])
    assert changed == ([f"conv{i}_bn" for i in (1, 2, 3)] if arch == "cnn" else ["conv1_bn"])
    assert lean_history == keras_history  # losses and auROC of every epoch
    assert keras_history["loss"][-1] != keras_history["loss"][0]  # the weights moved
    for a, b in zip(keras_model.weights, lean_model.weights):  # moving statistics included
        assert a.name == b.name and np.array_equal(a.numpy(), b.numpy()), a.path
    x = one_hot(tokens[:100])
    assert np.array_equal(keras_model.predict(x, verbose=0), lean_model.predict(x, verbose=0))


def test_gradient_of_one_step_equals_autodiff_and_lean_path_is_traced(gata1, batch_norm_training):
    import tensorflow as tf

    tokens, labels = gata1
    x, y = tf.constant(one_hot(tokens[:77])), tf.constant(labels[:77, None])
    cnn = batch_norm_training.SMALL["cnn"]
    keras_model = build("cnn", batch_norm=True, dropout=0.0, **cnn)  # no dropout: two models, one mask
    lean_model = build("cnn", batch_norm=True, dropout=0.0, **cnn)
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
