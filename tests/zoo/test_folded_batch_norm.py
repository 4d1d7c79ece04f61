"""Convolution + batch norm + ReLU folded into one convolution scores exactly as the Keras layers."""

from __future__ import annotations

import numpy as np
import pytest

from deepmotif.core.sequences import one_hot
from deepmotif.zoo.architectures import build
from deepmotif.zoo.folded_batch_norm import FoldedConvolution, PassThrough, fold_batch_norms, foldable
from deepmotif.zoo.layer_walk import all_layers
from deepmotif.zoo.saved_models import write_saved_model

SEQ_LEN = 24
TOLERANCE = 1e-5
SMALL = {"cnn": dict(filters=[8, 6, 5], kernel_sizes=[5, 3, 3]), "cnn_rnn": dict(filters=[6], kernel_sizes=[5], lstm_units=4)}
MODELS = [(arch, strands) for arch in ("cnn", "cnn_rnn") for strands in (False, True)]


def normalised(arch: str, reverse_complement: bool):
    """A tiny batch-norm model whose every weight is random, moving statistics included (variances
    in [0.2, 3]), so that a batch norm left out or applied twice changes the score."""
    model = build(arch, seq_len=SEQ_LEN, reverse_complement=reverse_complement, batch_norm=True, **SMALL[arch])
    rng = np.random.default_rng(len(arch) + reverse_complement)
    for weight in model.weights:
        low, high = (0.2, 3.0) if "moving_variance" in weight.path else (-1.5, 1.5)
        weight.assign(rng.uniform(low, high, weight.shape).astype(np.float32))
    return model


def random_one_hot(n: int, length: int, seed: int = 0) -> np.ndarray:
    return one_hot(np.random.default_rng(seed).integers(0, 5, (n, length), dtype=np.uint8))  # N rows included


@pytest.mark.parametrize("arch,strands", MODELS)
def test_every_convolution_is_folded_and_scores_equal_keras(arch, strands):
    model = keras_logits(normalised(arch, strands))  # logits: probabilities saturate
    folded = fold_batch_norms(model)
    convolutions = [layer for layer in all_layers(folded) if isinstance(layer, FoldedConvolution)]
    assert len(convolutions) == len(SMALL[arch]["filters"])
    assert sum(isinstance(layer, PassThrough) for layer in all_layers(folded)) == 2 * len(convolutions)
    shared = {id(w) for w in model.weights}
    assert {id(w) for w in folded.weights} <= shared  # the same variables, not copies
    for length in (SEQ_LEN, 3 * SEQ_LEN):
        x = random_one_hot(9, length)
        expected, got = np.asarray(model(x, training=False)), np.asarray(folded(x, training=False))
        np.testing.assert_allclose(got, expected, rtol=0, atol=TOLERANCE * np.abs(expected).max())
    assert np.ptp(expected) > 0.1  # the fixtures give scores that differ, so equal scores mean something


def test_each_fold_is_the_chain_it_replaces():
    """The folded layer equals conv -> batch norm -> ReLU layer by layer, and would not equal it
    with the batch norm left out."""
    import keras

    model = normalised("cnn", False)
    conv, norm, relu = (model.get_layer(name) for name in ("conv2", "conv2_bn", "conv2_relu"))
    x = np.random.default_rng(1).normal(size=(4, 20, 8)).astype(np.float32)
    chain = np.asarray(relu(norm(conv(x), training=False)))
    np.testing.assert_allclose(np.asarray(FoldedConvolution(conv, norm, relu=True)(x)), chain, rtol=0, atol=TOLERANCE)
    without_norm = np.asarray(keras.activations.relu(conv(x)))
    assert np.abs(without_norm - chain).max() > 100 * TOLERANCE


def test_models_wired_otherwise_are_left_alone():
    """Layers named like a chain but wired ReLU-then-batch-norm fail the output check: no fold."""
    import keras

    inputs = keras.Input((None, 4))
    x = keras.layers.Conv1D(6, 5, use_bias=False, name="conv1")(inputs)
    x = keras.layers.Activation("relu", name="conv1_relu")(x)
    x = keras.layers.BatchNormalization(name="conv1_bn")(x)
    model = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.GlobalMaxPooling1D()(x)))
    rng = np.random.default_rng(3)
    for weight in model.weights:
        values = rng.uniform(0.2, 3.0, weight.shape) if "moving_variance" in weight.path else rng.normal(0, 1, weight.shape)
        weight.assign(values.astype(np.float32))
    assert fold_batch_norms(model) is model
    assert fold_batch_norms(build("cnn", seq_len=SEQ_LEN, batch_norm=False, **SMALL["cnn"])).layers[2].name == "conv1"


def test_only_float32_chains_fold():
    import keras

    conv, norm = keras.layers.Conv1D(4, 3, use_bias=False), keras.layers.BatchNormalization()
    assert foldable(conv, norm, keras.layers.Activation("relu"))
    assert not foldable(keras.layers.Conv1D(4, 3, dtype="mixed_float16"), norm, None)
    assert not foldable(conv, keras.layers.BatchNormalization(dtype="mixed_bfloat16"), None)
    assert not foldable(conv, norm, keras.layers.Activation("tanh"))
    assert not foldable(keras.layers.Conv1D(4, 3, padding="causal"), norm, None)


@pytest.mark.parametrize("arch,strands", MODELS)
def test_exported_signatures_equal_keras_with_and_without_folding(tmp_path, arch, strands):
    import tensorflow as tf

    model = normalised(arch, strands)
    paths = {fold: tmp_path / str(fold) for fold in (True, False)}
    for fold, path in paths.items():
        write_saved_model(model, path, fold_batch_norm=fold)
    x = random_one_hot(300, SEQ_LEN, seed=2)  # past the CNN's 256-row serving chunk
    expected = np.asarray(model(x, training=False))
    logit = np.asarray(keras_logits(model)(x, training=False))
    for fold, path in paths.items():
        loaded = tf.saved_model.load(str(path))
        got = loaded.signatures["serving_default"](one_hot=tf.constant(x))["probability"].numpy()
        np.testing.assert_allclose(got, expected, rtol=0, atol=TOLERANCE, err_msg=f"fold={fold}")
        got_logit = loaded.signatures["predict_logits"](one_hot=tf.constant(x))["logit"].numpy()
        np.testing.assert_allclose(got_logit, logit, rtol=0, atol=TOLERANCE * np.abs(logit).max(), err_msg=f"fold={fold}")
        stored = [name for name, _ in tf.train.list_variables(str(path / "variables" / "variables"))
                  if name.endswith("VARIABLE_VALUE")]
        assert len(stored) == len(model.weights)  # each weight once, folded or not


def keras_logits(model):
    from deepmotif.zoo.architectures import logit_model

    return logit_model(model)
