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
    motifs = [m for m in filter_motifs(trained_cnn, ctcf_test["x"]) if m["n_sites"] >= 20]
    matches = match_jaspar([m["pwm"] for m in motifs], top=1, targets=jaspar_targets)
    best = [found[0] for found in matches]
    assert sum(m["name"] == MOTIF for m in best) >= len(best) // 2
    assert min(m["q_value"] for m in best if m["name"] == MOTIF) < 1e-3


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
