from __future__ import annotations

import numpy as np
import pytest
from planted_motifs import planted

from deepmotif.interpret import temporal_scores
from deepmotif.interpret.errors import UnsupportedModelError
from deepmotif.zoo.architectures import build


def _random_x(n, length, seed=0):
    return np.eye(4, dtype=np.float32)[np.random.default_rng(seed).integers(0, 4, (n, length))]


def test_rnn_scores_equal_the_model_on_prefixes_and_suffixes():
    import keras

    keras.utils.set_random_seed(0)
    model = build("rnn", 24, lstm_units=6)
    x = _random_x(3, 24)
    forward, reverse = temporal_scores(model, x, batch_size=2)
    assert forward.shape == reverse.shape == (3, 24)
    full = model.predict(x, verbose=0)[:, 0]
    np.testing.assert_allclose(forward[:, -1], full, atol=1e-5)
    np.testing.assert_allclose(reverse[:, 0], full, atol=1e-5)
    for t in (1, 17):
        prefix, suffix = build("rnn", t, lstm_units=6), build("rnn", 24 - t, lstm_units=6)
        prefix.set_weights(model.get_weights())
        suffix.set_weights(model.get_weights())
        np.testing.assert_allclose(forward[:, t - 1], np.asarray(prefix(x[:, :t]))[:, 0], atol=1e-5)
        np.testing.assert_allclose(reverse[:, t], np.asarray(suffix(x[:, t:]))[:, 0], atol=1e-5)


def test_cnn_rnn_end_points_equal_prediction_and_mixed_precision_works():
    import keras

    keras.utils.set_random_seed(0)
    try:
        keras.mixed_precision.set_global_policy("mixed_float16")
        model = build("cnn_rnn", 30, filters=[8], lstm_units=4)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    x = _random_x(4, 30)
    forward, reverse = temporal_scores(model, x)
    full = model.predict(x, verbose=0)[:, 0]
    np.testing.assert_allclose(forward[:, -1], full, atol=2e-3)  # model itself runs in float16
    np.testing.assert_allclose(reverse[:, 0], full, atol=2e-3)


def test_scores_rise_after_crossing_the_planted_motif(trained_cnn_rnn):
    data = planted(100, 60, "CTCF", seed=3)
    forward, reverse = temporal_scores(trained_cnn_rnn, data["x"])
    pos = np.flatnonzero((data["y"] == 1) & (data["start"] >= 3) & (data["end"] <= 57))
    before = np.array([forward[i, :data["start"][i]].mean() for i in pos])
    after = np.array([forward[i, data["end"][i] - 1:].mean() for i in pos])
    assert np.mean(after > before) > 0.75 and after.mean() - before.mean() > 0.25
    # reverse reads right to left: high from the motif leftwards, low right of it
    left = np.array([reverse[i, :data["start"][i] + 1].mean() for i in pos])
    right = np.array([reverse[i, data["end"][i]:].mean() for i in pos])
    assert np.mean(left > right) > 0.75 and left.mean() - right.mean() > 0.25


def test_reverse_complement_model_uses_forward_strand_network():
    model = build("rnn", 20, lstm_units=4, reverse_complement=True)
    forward, reverse = temporal_scores(model, _random_x(2, 20))
    assert forward.shape == (2, 20) and np.all((forward > 0) & (forward < 1))


def test_cnn_has_no_temporal_scores():
    with pytest.raises(UnsupportedModelError, match="need a recurrent model.*'bilstm'"):
        temporal_scores(build("cnn", 40, filters=[4, 4, 4]), _random_x(1, 40))
