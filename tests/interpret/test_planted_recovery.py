"""Interpretations that must find the ground truth: tiny models trained on sequences with one planted
Spi1 site (real JASPAR matrix), whose best first-layer filters and class-optimization logo must match
Spi1. Not CTCF: a uniform (uninformative) PWM's best TOMTOM match is CTCF with q ~ 1e-10, so a CTCF
test can pass on PWMs that hold no information; every match counted here must also hold bits."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from planted_motifs import planted

from deepmotif.core.motif_math import information_content
from deepmotif.interpret import class_optimization, filter_influence, filter_motifs, match_jaspar
from deepmotif.interpret.input_optimization import homopolymer_scores
from deepmotif.interpret.motifs import informative_window, trim_flanks
from deepmotif.zoo.architectures import build

MOTIF = "Spi1"   # MA0080: 13 columns; its JASPAR neighbours are other ETS factors (SPIB, SPIC)
LENGTHS = {"cnn": 101, "cnn_rnn": 60}


def _logit(model, x):
    return keras.Model(model.inputs[0], model.get_layer("logit").output)(x).numpy()[:, 0]


@pytest.fixture(scope="module")
def spi1_models():
    """A small cnn and cnn_rnn trained 4 epochs on 2,000 sequences with a planted Spi1 site (~15 s)."""
    models = {}
    for arch, overrides in (("cnn", {"filters": [32, 32, 32]}), ("cnn_rnn", {"filters": [16], "lstm_units": 8})):
        keras.utils.set_random_seed(0)
        data = planted(2000, LENGTHS[arch], MOTIF, seed=0)
        model = build(arch, LENGTHS[arch], dropout=0.1, **overrides)
        model.compile(keras.optimizers.Adam(3e-3 if arch == "cnn" else 1e-2), "binary_crossentropy")
        model.fit(data["x"], data["y"], batch_size=64, epochs=4, verbose=0)
        models[arch] = model
    return models


# The CNN's later layers assemble motifs from parts, so only its best first-layer filter is a whole Spi1;
# the CNN-RNN's single convolution has to hold whole motifs.
@pytest.mark.parametrize("arch,of_best_three", [("cnn", 1), ("cnn_rnn", 2)])
def test_the_most_informative_filters_are_the_planted_motif(spi1_models, jaspar_targets, arch, of_best_three):
    model = spi1_models[arch]
    test = planted(300, LENGTHS[arch], MOTIF, seed=1)
    ranked = filter_motifs(model, test["x"], rank_by="information")
    matches = match_jaspar([m["pwm"] for m in ranked], top=3, targets=jaspar_targets)
    best = ranked[:3]
    assert all(m["n_sites"] >= 30 for m in best)  # 10% of the 300 sequences
    assert [m["information"] for m in best] == sorted((m["information"] for m in best), reverse=True)
    assert matches[0][0]["name"] == MOTIF and matches[0][0]["q_value"] < 0.05, matches[0]
    assert information_content(best[0]["pwm"]).sum() >= 6.0  # a real motif, not a near-uniform PWM
    hits = sum(row[0]["name"] == MOTIF and row[0]["q_value"] < 0.05 for row in matches[:3])
    assert hits >= of_best_three, matches[:3]
    fraction = np.mean([row[0]["name"] == MOTIF for row, m in zip(matches, ranked) if m["n_sites"] >= 10])
    print(f"{arch}: best match Spi1 for {fraction:.0%} of filters with sites; best three: "
          f"{[row[0]['name'] for row in matches[:3]]}")


def test_class_optimization_logo_is_the_planted_motif(spi1_models, jaspar_targets):
    model = spi1_models["cnn"]
    pwms, scores = class_optimization(model, n_restarts=8, steps=300)
    positives = planted(300, 101, MOTIF, seed=1)
    assert scores[0] > np.median(_logit(model, positives["x"][positives["y"] == 1]))
    window = trim_flanks(informative_window(pwms[0], 15)[1], 0.3)[1]
    assert information_content(window).sum() >= 8.0
    found = match_jaspar([window], top=3, targets=jaspar_targets)[0]
    assert any(m["name"] == MOTIF and m["q_value"] < 0.05 for m in found), found


def test_softmax_parametrization_finds_higher_scoring_inputs_than_the_papers_l2(spi1_models):
    model = spi1_models["cnn"]
    _, softmax = class_optimization(model, n_restarts=4, steps=300)
    _, l2 = class_optimization(model, n_restarts=4, steps=300, method="l2")
    assert softmax[0] > l2[0]


def test_homopolymer_scores_are_the_models_logits_on_poly_a_c_g_t(spi1_models):
    model = spi1_models["cnn"]
    poly = np.repeat(np.eye(4, dtype=np.float32)[:, None, :], 101, axis=1)
    expected = _logit(model, poly)
    got = homopolymer_scores(model)
    np.testing.assert_allclose([got[b] for b in "ACGT"], expected, rtol=1e-5, atol=1e-5)


def test_filter_influence_is_the_logit_drop_of_zeroing_that_filter():
    keras.utils.set_random_seed(3)
    model = build("cnn", 40, filters=[4, 4, 4], batch_norm=False)
    x = np.eye(4, dtype=np.float32)[np.random.default_rng(0).integers(0, 4, (50, 40))]
    got = filter_influence(model, x, batch_size=16, filter_chunk=3)   # chunks that do not divide 4
    base = _logit(model, x)
    for f in range(4):
        ablated = keras.models.clone_model(model)
        ablated.set_weights(model.get_weights())
        kernel, bias = ablated.get_layer("conv1").get_weights()
        kernel[..., f], bias[f] = 0.0, 0.0           # relu(0) = 0: the filter's output is zero everywhere
        ablated.get_layer("conv1").set_weights([kernel, bias])
        assert got[f] == pytest.approx(float(np.mean(base - _logit(ablated, x))), abs=1e-4)
    subset = filter_influence(model, x, filters=[2, 0])
    np.testing.assert_allclose(subset, got[[2, 0]], atol=1e-5)
