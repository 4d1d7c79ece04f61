from __future__ import annotations

import numpy as np
from planted_motifs import motif_mask
from scipy.stats import spearmanr

from deepmotif.interpret import ism, saliency
from deepmotif.interpret.saturation_mutagenesis import ism_importance


def test_ism_is_the_logit_change_of_each_substitution(trained_cnn, ctcf_test):
    import keras

    logit = keras.Model(trained_cnn.inputs[0], trained_cnn.get_layer("logit").output)
    x = ctcf_test["x"][:3]
    deltas = ism(trained_cnn, x, batch_size=2)
    assert deltas.shape == x.shape and deltas.dtype == np.float32
    np.testing.assert_allclose(deltas[x == 1], 0.0, atol=1e-5)
    reference = logit(x).numpy()[:, 0]
    for i, pos, base in [(0, 0, 1), (1, 47, 3), (2, 100, 2)]:
        mutant = x[i:i + 1].copy()
        mutant[0, pos] = np.eye(4)[base]
        np.testing.assert_allclose(deltas[i, pos, base], logit(mutant).numpy()[0, 0] - reference[i], atol=1e-4)


def test_ism_and_grad_x_agree_on_motif_positions(trained_cnn, ctcf_test):
    positives = np.flatnonzero(ctcf_test["y"] == 1)[:30]
    x = ctcf_test["x"][positives]
    on_motif = motif_mask(ctcf_test)[positives]
    by_ism = ism_importance(ism(trained_cnn, x), x)[on_motif]
    by_grad = saliency(trained_cnn, x, method="grad_x").sum(-1)[on_motif]
    important = np.abs(by_grad) > 0.1 * np.abs(by_grad).max()
    assert np.mean(np.sign(by_ism[important]) == np.sign(by_grad[important])) > 0.85
    assert spearmanr(by_ism, by_grad).statistic > 0.6
