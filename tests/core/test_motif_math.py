"""Motif arithmetic: bits agree with logomaker's independent implementation on real JASPAR motifs."""

from __future__ import annotations

import numpy as np
import pytest

from deepmotif.core.motif_math import (
    information_content,
    information_heights,
    informative_windows,
    log_odds,
    normalize_counts,
)
from deepmotif.datasets.jaspar import load_motifs


@pytest.fixture(scope="module")
def motifs():
    return load_motifs(["GATA1", "CTCF", "SPI1", "CEBPB"])


def test_bits_match_logomaker_on_real_jaspar_motifs(motifs):
    import logomaker
    import pandas as pd

    for motif in motifs:
        frame = pd.DataFrame(np.asarray(motif.probabilities, np.float64), columns=list("ACGT"))
        reference = logomaker.transform_matrix(frame, from_type="probability", to_type="information").to_numpy()
        np.testing.assert_allclose(information_heights(motif.probabilities), reference, atol=1e-4)
        np.testing.assert_allclose(information_content(motif.probabilities), reference.sum(1), atol=1e-4)


def test_bits_of_the_extremes():
    certain, uniform = np.eye(4)[[2]], np.full((1, 4), 0.25)
    assert information_content(certain) == pytest.approx([2.0])
    assert information_content(uniform) == pytest.approx([0.0])
    assert information_content(np.array([[0.5, 0.5, 0, 0]])) == pytest.approx([1.0])
    assert information_content(np.array([[3, 3, 0, 0]])) == pytest.approx([1.0])  # counts are normalized first
    assert information_content(np.zeros((2, 4))) == pytest.approx([0.0, 0.0])     # an empty column is uniform


def test_normalize_counts_with_pseudocount_and_empty_rows():
    counts = np.array([[10, 0, 0, 0], [0, 0, 0, 0], [-1, 1, 1, 2]])
    np.testing.assert_allclose(normalize_counts(counts), [[1, 0, 0, 0], [0.25] * 4, [0, 0.25, 0.25, 0.5]])
    np.testing.assert_allclose(normalize_counts(counts[:1], pseudocount=1.0), [[11 / 14, 1 / 14, 1 / 14, 1 / 14]])
    assert normalize_counts(counts).dtype == np.float32


def test_jaspar_motifs_are_normalized_counts(motifs):
    for motif in motifs:
        np.testing.assert_allclose(motif.probabilities.sum(1), 1.0, atol=1e-6)
        np.testing.assert_allclose(normalize_counts(motif.probabilities * 37), motif.probabilities, atol=1e-6)


def test_informative_windows_find_the_informative_columns():
    pwm = np.full((60, 4), 0.25)
    pwm[10:18] = np.eye(4)[[0, 1, 2, 3, 0, 1, 2, 3]]
    pwm[40:46] = np.eye(4)[[3, 3, 3, 0, 0, 0]]
    assert informative_windows(pwm, width=8, count=2) == [(10, 18), (38, 46)]
    assert informative_windows(pwm, width=8) == [(10, 18)]
    pwm[40:46] = 0.25  # a second window with under half the first's information is not reported
    pwm[40:42] = np.eye(4)[[0, 1]]
    assert informative_windows(pwm, width=8, count=2) == [(10, 18)]
    assert informative_windows(pwm[:5], width=8) == [(0, 5)]  # wider than the matrix: the whole of it


def test_informative_window_finds_a_planted_jaspar_motif(motifs):
    gata1 = motifs[0].probabilities
    pwm = np.full((50, 4), 0.25, np.float32)
    pwm[21:21 + len(gata1)] = gata1
    (start, end), = informative_windows(pwm, len(gata1))
    assert (start, end) == (21, 21 + len(gata1))


def test_log_odds_against_background(motifs):
    table = log_odds(motifs[0].probabilities, gc=0.41)
    best = np.argmax(motifs[0].probabilities, 1)
    assert (np.argmax(table, 1) == best).mean() > 0.8 and np.isfinite(table).all()
    assert log_odds(np.full((1, 4), 0.25)) == pytest.approx(np.zeros((1, 4)))
