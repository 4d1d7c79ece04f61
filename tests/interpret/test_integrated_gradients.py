from __future__ import annotations

import numpy as np
import pytest

from deepmotif.interpret import integrated_gradients


def _logit(model, x):
    import keras

    return keras.Model(model.inputs[0], model.get_layer("logit").output)(x).numpy()[:, 0]


def test_attributions_sum_to_the_logit_difference(trained_cnn, ctcf_test):
    x = ctcf_test["x"][:8]
    for baseline in (None, np.full((101, 4), 0.25, np.float32)):
        values = integrated_gradients(trained_cnn, x, baseline=baseline, steps=64, batch_size=3)
        assert values.shape == x.shape and values.dtype == np.float32
        base = np.zeros_like(x) if baseline is None else np.broadcast_to(baseline, x.shape)
        expected = _logit(trained_cnn, x) - _logit(trained_cnn, base)
        np.testing.assert_allclose(values.sum((1, 2)), expected, atol=0.05 * np.abs(expected).max() + 1e-3)


def test_zero_steps_is_an_error(trained_cnn, ctcf_test):
    with pytest.raises(ValueError, match="steps"):
        integrated_gradients(trained_cnn, ctcf_test["x"][:1], steps=0)
