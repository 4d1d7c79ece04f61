from __future__ import annotations

import numpy as np
import pytest
from planted_motifs import motif_mask
from sklearn.metrics import roc_auc_score

from deepmotif.core.errors import UnknownNameError
from deepmotif.interpret import saliency
from deepmotif.interpret.batching import compiled
from deepmotif.interpret.errors import InputShapeError


def _random_x(n, length, seed=0):
    return np.eye(4, dtype=np.float32)[np.random.default_rng(seed).integers(0, 4, (n, length))]


def test_methods_relate_as_documented(trained_cnn, ctcf_test):
    x = ctcf_test["x"][:20]
    grad = saliency(trained_cnn, x, method="grad")
    assert grad.shape == x.shape and grad.dtype == np.float32
    np.testing.assert_allclose(saliency(trained_cnn, x, method="grad_x"), grad * x)
    np.testing.assert_allclose(saliency(trained_cnn, x), np.abs(grad) * x)
    assert np.abs(grad).sum() > 0


def test_gradient_matches_finite_difference(trained_cnn, ctcf_test):
    import keras

    logit = keras.Model(trained_cnn.inputs[0], trained_cnn.get_layer("logit").output)
    x = ctcf_test["x"][:2].astype(np.float64)
    grad = saliency(trained_cnn, x, method="grad")
    eps = 1e-2
    for pos, base in [(10, 0), (50, 2), (90, 3)]:
        up, down = x.copy(), x.copy()
        up[:, pos, base] += eps
        down[:, pos, base] -= eps
        numeric = (logit(up.astype(np.float32)).numpy() - logit(down.astype(np.float32)).numpy())[:, 0] / (2 * eps)
        np.testing.assert_allclose(grad[:, pos, base], numeric, atol=2e-3, rtol=5e-2)


def test_saliency_localizes_planted_motif(trained_cnn, ctcf_test):
    positives = ctcf_test["y"] == 1
    values = saliency(trained_cnn, ctcf_test["x"][positives]).sum(-1)
    truth = motif_mask(ctcf_test)[positives]
    assert roc_auc_score(truth.ravel(), values.ravel()) > 0.85
    mass = (values * truth).sum() / values.sum()  # site is 15 of 101 positions (15%)
    assert mass > 0.5


def test_mixed_precision_model_is_differentiated_in_float32():
    import keras

    from deepmotif.zoo.architectures import build

    keras.utils.set_random_seed(1)
    try:
        keras.mixed_precision.set_global_policy("mixed_float16")
        mixed = build("cnn", 40, filters=[8, 8, 8])
    finally:
        keras.mixed_precision.set_global_policy("float32")
    plain = build("cnn", 40, filters=[8, 8, 8])
    plain.set_weights(mixed.get_weights())
    x = _random_x(6, 40)
    np.testing.assert_allclose(saliency(mixed, x, "grad"), saliency(plain, x, "grad"), rtol=1e-5, atol=1e-7)


def test_one_trace_per_shape():
    from deepmotif.zoo.architectures import build

    model = build("cnn", 40, filters=[4, 4, 4])
    for n in (3, 7, 5):
        saliency(model, _random_x(n, 40), batch_size=4)
    fn = compiled(model, ("input_gradients", 40), None)
    assert fn.experimental_get_tracing_count() == 1


def test_bad_input_is_named():
    from deepmotif.zoo.architectures import build

    model = build("cnn", 40, filters=[4, 4, 4])
    with pytest.raises(InputShapeError, match="41 bases long; model 'cnn' takes 40"):
        saliency(model, _random_x(2, 41))
    with pytest.raises(InputShapeError, match=r"\(n, L, 4\)"):
        saliency(model, np.zeros((2, 40, 5), np.float32))
    with pytest.raises(UnknownNameError, match="grad_x"):
        saliency(model, _random_x(2, 40), method="gradx")


def test_package_exports_functions_even_after_their_modules_are_imported():
    import importlib

    import deepmotif.interpret as interpret

    for name in interpret.__all__:
        assert callable(getattr(interpret, name)) and not isinstance(getattr(interpret, name), type(interpret))
    module = importlib.import_module("deepmotif.interpret.saliency_maps")
    assert interpret.saliency is module.saliency
