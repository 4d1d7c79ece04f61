from __future__ import annotations

import numpy as np
from planted_motifs import MOTIF

from deepmotif.interpret import class_optimization, match_jaspar
from deepmotif.interpret.batching import compiled
from deepmotif.interpret.input_optimization import to_probabilities
from deepmotif.core.motif_math import information_content
from deepmotif.interpret.motifs import informative_window, trim_flanks


def _logit(model, x):
    import keras

    return keras.Model(model.inputs[0], model.get_layer("logit").output)(x).numpy()[:, 0]


def test_optimized_inputs_are_probabilities_sorted_and_score_above_real_positives(trained_cnn, ctcf_test):
    pwms, scores = class_optimization(trained_cnn, n_restarts=4, steps=300)
    assert pwms.shape == (4, 101, 4) and scores.shape == (4,)
    np.testing.assert_allclose(pwms.sum(-1), 1.0, atol=1e-5)
    assert (pwms >= 0).all() and (np.diff(scores) <= 0).all()
    np.testing.assert_allclose(scores, _logit(trained_cnn, pwms), rtol=1e-4, atol=1e-4)
    positives = ctcf_test["x"][ctcf_test["y"] == 1]
    assert scores[0] > np.median(_logit(trained_cnn, positives))


def test_seeded_and_traced_once(trained_cnn):
    first = class_optimization(trained_cnn, n_restarts=2, steps=20, seed=3)
    again = class_optimization(trained_cnn, n_restarts=3, steps=25, seed=3)  # other batch and step count
    np.testing.assert_allclose(first[0], class_optimization(trained_cnn, n_restarts=2, steps=20, seed=3)[0])
    assert again[0].shape == (3, 101, 4)
    assert compiled(trained_cnn, ("class_optimization", 101), None).experimental_get_tracing_count() == 1


def test_recovers_the_planted_jaspar_motif(trained_cnn, ctcf_test, jaspar_targets):
    pwms, scores = class_optimization(trained_cnn, n_restarts=4, steps=1000)
    good = scores > np.median(_logit(trained_cnn, ctcf_test["x"][ctcf_test["y"] == 1]))
    windows = [trim_flanks(informative_window(p, 15)[1], 0.3)[1] for p in pwms[good]]
    assert len(windows) >= 1 and all(information_content(w).sum() >= 8.0 for w in windows)
    matches = match_jaspar(windows, top=3, targets=jaspar_targets)
    # on informative windows only: a uniform window's best match is CTCF too
    assert matches[0][0]["name"] == MOTIF and matches[0][0]["p_value"] < 1e-3, matches[0]


def test_the_papers_l2_method_still_gives_probability_matrices(trained_cnn):
    pwms, scores = class_optimization(trained_cnn, n_restarts=2, steps=50, method="l2")
    np.testing.assert_allclose(pwms.sum(-1), 1.0, atol=1e-5)
    np.testing.assert_allclose(scores, _logit(trained_cnn, pwms), rtol=1e-4, atol=1e-4)


def test_clamp_and_normalize():
    x = np.array([[[2.0, -1.0, 1.0, 1.0], [-1.0, -2.0, -3.0, -4.0]]], np.float32)
    np.testing.assert_allclose(to_probabilities(x), [[[0.5, 0, 0.25, 0.25], [0.25] * 4]])
