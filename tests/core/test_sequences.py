"""The one one-hot: numpy and in-graph encodings agree, `N` is a zero row, on a real JASPAR consensus."""

from __future__ import annotations

import numpy as np

from deepmotif.core.sequences import one_hot, one_hot_tensor, tokenize
from deepmotif.datasets.jaspar import load_motif


def test_in_graph_one_hot_equals_numpy_one_hot():
    consensus = "".join("ACGT"[i] for i in load_motif("GATA1").probabilities.argmax(1))
    tokens = np.stack([tokenize("N" + consensus + "n"), tokenize("n" + consensus.lower() + "N")])
    expected = one_hot(tokens)
    np.testing.assert_array_equal(np.asarray(one_hot_tensor(tokens)), expected)
    assert expected.dtype == np.float32 and expected.shape == (2, len(consensus) + 2, 4)
    assert not expected[:, [0, -1]].any() and (expected[:, 1:-1].sum(-1) == 1).all()
