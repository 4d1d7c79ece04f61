"""Validation split: deterministic, about the requested fraction, a peak and its shuffle always together."""

from __future__ import annotations

import numpy as np
import pytest

from deepmotif.datasets.splits import group_id, is_validation


def test_fraction_and_determinism():
    ids = [f"seq_{i:05d}_peak" for i in range(20000)]
    held = is_validation(ids)
    assert held.dtype == bool and held.shape == (20000,)
    assert 0.09 < held.mean() < 0.11
    assert (is_validation(ids) == held).all()
    assert (is_validation(ids, seed=1) != held).any()
    assert 0.28 < is_validation(ids, fraction=0.3).mean() < 0.32
    assert not is_validation(ids, fraction=0.0).any() and is_validation(ids, fraction=1.0).all()


def test_shuffles_stay_with_their_peak():
    ids = [f"chr1:{i}-{i + 101}" for i in range(5000)]
    peaks, shuffles = is_validation(ids), is_validation([i + "_shuf" for i in ids])
    assert (peaks == shuffles).all() and peaks.any()
    assert group_id("x_shuf") == "x" and group_id("x_shuffle") == "x_shuffle"


def test_bad_fraction():
    with pytest.raises(ValueError):
        is_validation(["a"], fraction=1.5)


def test_known_values_do_not_drift():
    # The split is part of the dataset: a change here silently changes every validation set.
    held = is_validation([f"id{i}" for i in range(40)])
    assert np.flatnonzero(held).tolist() == [2, 4, 10, 15, 26, 27]
