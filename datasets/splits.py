"""Deterministic train/validation split by a stable hash of each example's id.

A peak and its shuffle (`<id>` and `<id>_shuf`) hash the same, so they always land in the same split:
the validation set never holds the shuffle of a training peak.
"""

from __future__ import annotations

import hashlib

import numpy as np

from deepmotif.datasets.readers import SHUFFLE_SUFFIX

VALIDATION_FRACTION = 0.1


def group_id(example_id: str) -> str:
    """The id with any `_shuf` suffix removed: a peak and its shuffles share it."""
    return example_id.removesuffix(SHUFFLE_SUFFIX)


def _unit_interval(text: str) -> float:
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") / 2.0**64


def is_validation(ids, fraction: float = VALIDATION_FRACTION, seed: int = 0) -> np.ndarray:
    """`(n,)` bool: which ids are held out, about `fraction` of the groups, the same in every process."""
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be in [0, 1], got {fraction}")
    return np.fromiter((_unit_interval(f"{seed}:{group_id(str(i))}") < fraction for i in ids), dtype=bool)
