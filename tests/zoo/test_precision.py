"""Precision policies: resolution, restoring the global policy, float32 outputs and training under
mixed precision on CPU."""

import numpy as np
import pytest
import tensorflow as tf

import keras

from deepmotif.core.errors import UnknownNameError
from deepmotif.zoo.architectures import build
from deepmotif.zoo.precision import PRECISIONS, has_gpu, precision_policy, resolve_precision
from deepmotif.zoo.recipes import get_recipe
from deepmotif.zoo.training import fit_model


def test_resolution_and_unknown_name():
    assert resolve_precision("auto") == ("mixed_float16" if has_gpu() else "float32")
    assert [resolve_precision(p) for p in PRECISIONS[1:]] == list(PRECISIONS[1:])
    with pytest.raises(UnknownNameError, match="mixed_float16"):
        resolve_precision("mixed_float61")


def test_policy_is_restored_even_on_error():
    before = keras.config.dtype_policy().name
    with pytest.raises(RuntimeError):
        with precision_policy("mixed_bfloat16") as name:
            assert name == keras.config.dtype_policy().name == "mixed_bfloat16"
            raise RuntimeError
    assert keras.config.dtype_policy().name == before


def _toy(n=256, length=30, seed=0):
    """One-hot `(n, length, 4)`; positives hold GATAAG at a random position."""
    rng = np.random.default_rng(seed)
    tokens = rng.integers(0, 4, (n, length))
    y = (np.arange(n) % 2).astype("float32")
    for i in np.flatnonzero(y):
        start = rng.integers(0, length - 6)
        tokens[i, start:start + 6] = [2, 0, 3, 0, 0, 2]
    return np.eye(4, dtype="float32")[tokens], y


@pytest.mark.parametrize("policy, compute", [("mixed_float16", "float16"), ("mixed_bfloat16", "bfloat16")])
def test_mixed_precision_trains_with_float32_output(policy, compute, tmp_path):
    x, y = _toy()
    train = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(256, seed=0).batch(32)
    val = tf.data.Dataset.from_tensor_slices(_toy(64, seed=1)).batch(64)
    with precision_policy(policy):
        model = build("cnn_rnn", seq_len=30, filters=[16], lstm_units=8, batch_norm=True)
        assert model.get_layer("conv1").compute_dtype == compute
        assert model.get_layer("logit").compute_dtype == "float32"
        result = fit_model(model, train, val, tmp_path, get_recipe("default", "cnn_rnn", epochs=3, batch_size=32),
                           n_train=256, verbose=0)
    assert keras.config.dtype_policy().name == "float32"
    if policy == "mixed_float16":
        assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)  # Keras's loss scaling
    out = model.predict(x[:8], verbose=0)
    assert out.dtype == np.float32 and np.all(np.isfinite(out))
    assert result["epochs_trained"] == 3
    reloaded = keras.saving.load_model(tmp_path / "model.keras")
    assert reloaded.predict(x[:8], verbose=0).dtype == np.float32
