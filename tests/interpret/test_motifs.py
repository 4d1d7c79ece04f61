from __future__ import annotations

import numpy as np
import pytest
from planted_motifs import MOTIF

from deepmotif.interpret import filter_motifs, match_jaspar, saliency
from deepmotif.interpret.errors import UnsupportedModelError
from deepmotif.interpret.motifs import attribution_motif, informative_window
from deepmotif.zoo.architectures import build

KMER = [2, 0, 3, 0, 0, 1, 2, 3, 1]  # GATAACGTC


def _detector(arch: str, seq_len: int = 40):
    """A model whose first filter fires only on the exact 9-mer KMER (weights set by hand)."""
    overrides = {"filters": [2], "kernel_sizes": [9], "lstm_units": 2} if arch == "cnn_rnn" \
        else {"filters": [2, 2, 2]}
    model = build(arch, seq_len, **overrides)
    conv = model.get_layer("conv1")
    kernel = np.zeros(conv.kernel.shape, np.float32)
    kernel[np.arange(9), KMER, 0] = 1.0
    conv.set_weights([kernel, np.array([-8.5, -100.0], np.float32)])
    return model


@pytest.mark.parametrize("arch,edge", [("cnn", 0), ("cnn_rnn", 0), ("cnn_rnn", -2)])
def test_filter_pwm_is_the_window_that_activates_it(arch, edge):
    """`valid` (cnn) and `same` (cnn_rnn) padding, including a site cut by the sequence start."""
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, 4, (30, 40))
    starts = rng.integers(0, 31, 30)
    for i, s in enumerate(starts):
        tokens[i, s:s + 9] = KMER
    x = np.eye(4, dtype=np.float32)[tokens]
    if edge:
        x[0, :9 + edge] = np.eye(4, dtype=np.float32)[KMER[-edge:]]  # only the last 7 bases, at position 0
    motifs = filter_motifs(_detector(arch), x, pseudocount=0.0)
    assert [m["filter"] for m in motifs] == [0, 1]
    assert motifs[1]["n_sites"] == 0 and np.allclose(motifs[1]["pwm"], 0.25)
    np.testing.assert_allclose(motifs[0]["pwm"], np.eye(4)[KMER], atol=1e-6)
    assert motifs[0]["n_sites"] >= 30


def test_filter_motifs_recover_the_planted_motif(trained_cnn, ctcf_test, jaspar_targets):
    # Counted only with information: a uniform PWM's best match is CTCF too (q ~ 1e-10, long
    # near-uniform flanks), which is what made every filter of the demo "CTCF" before.
    best = filter_motifs(trained_cnn, ctcf_test["x"], rank_by="information")[0]
    assert best["n_sites"] >= 20 and best["information"] >= 6.0
    found = match_jaspar([best["pwm"]], top=1, targets=jaspar_targets)[0][0]
    assert found["name"] == MOTIF and found["q_value"] < 0.05


def test_one_site_per_sequence_and_trimmed_flanks():
    """Each sequence gives its strongest window only (a site's shifted overlaps do not blur the PWM);
    flanks below `trim_bits` are cut and `start` says where the trimmed PWM begins."""
    from deepmotif.interpret.motifs import trim_flanks

    rng = np.random.default_rng(1)
    tokens = rng.integers(0, 4, (40, 40))
    for i, s in enumerate(rng.integers(0, 31, 40)):
        tokens[i, s + 1:s + 8] = KMER[1:8]          # a 7-mer: the window's first and last base are random
    x = np.eye(4, dtype=np.float32)[tokens]
    model = _detector("cnn")
    conv = model.get_layer("conv1")
    kernel, bias = conv.get_weights()
    kernel[[0, 8], :, 0] = 0.0                      # ... and the filter ignores them
    conv.set_weights([kernel, np.array([-6.5, -100.0], np.float32)])
    strongest = filter_motifs(model, x, pseudocount=0.0, trim_bits=0.3)[0]
    every = filter_motifs(model, x, pseudocount=0.0, sites="all", trim_bits=0.0)[0]
    assert strongest["n_sites"] == 40 and every["n_sites"] >= 40
    assert strongest["start"] == 1 and len(strongest["pwm"]) == 7   # the 7 informative columns
    np.testing.assert_allclose(strongest["pwm"], np.eye(4)[KMER[1:8]], atol=1e-6)
    start, core = trim_flanks(np.full((5, 4), 0.25), 0.3)
    assert start == 0 and core.shape == (5, 4)       # nothing informative: returned whole


def test_saliency_windows_recover_the_planted_motif(trained_cnn, ctcf_test, jaspar_targets):
    x = ctcf_test["x"][ctcf_test["y"] == 1]
    pwm = attribution_motif(saliency(trained_cnn, x, "grad_x"), x, width=15)
    best = match_jaspar([pwm], top=1, targets=jaspar_targets)[0][0]
    assert best["name"] == MOTIF and best["q_value"] < 0.01


def test_match_jaspar_finds_a_matrix_itself_and_its_reverse_complement(jaspar_targets):
    gata = next(t for t in jaspar_targets if t.name == "GATA1")
    forward, reverse = match_jaspar([gata.probabilities, gata.probabilities[::-1, ::-1]], top=5,
                                    targets=jaspar_targets)
    assert forward[0]["matrix_id"] == gata.matrix_id and forward[0]["strand"] == "+"
    assert reverse[0]["matrix_id"] == gata.matrix_id and reverse[0]["strand"] == "-"
    for found in (forward, reverse):
        p = [m["p_value"] for m in found]
        assert p == sorted(p)
        assert all(m["q_value"] >= m["p_value"] for m in found)
        assert all(np.isclose(m["e_value"], m["p_value"] * len(jaspar_targets)) for m in found)
    assert forward[0]["q_value"] < 0.01


def test_informative_window_finds_the_peak():
    pwm = np.full((30, 4), 0.25, np.float32)
    pwm[12:18] = np.eye(4)[[0, 1, 2, 3, 0, 1]]
    start, window = informative_window(pwm, 6)
    assert start == 12 and window.shape == (6, 4)


def test_errors():
    with pytest.raises(UnsupportedModelError, match="no convolution layer named 'conv1'"):
        filter_motifs(build("rnn", 20, lstm_units=2), np.zeros((1, 20, 4), np.float32))
    with pytest.raises(ValueError, match=r"expected \(w, 4\)"):
        match_jaspar([np.ones((5, 5))])
