"""Synthetic ground truth for interpretation tests: a real JASPAR motif sampled into uniform
random background at known positions and strands (independent of the dataset builders)."""

from __future__ import annotations

import numpy as np

from deepmotif.datasets.jaspar import load_motif
from deepmotif.core.sequences import one_hot

MOTIF = "CTCF"  # MA0139: 15 informative columns, so tiny models learn it in seconds


def motif_mask(data: dict) -> np.ndarray:
    """`(n, L)` bool: positions inside the planted site."""
    pos = np.arange(data["x"].shape[1])
    return (pos >= data["start"][:, None]) & (pos < data["end"][:, None])


def planted(n: int, seq_len: int, motif: str = "GATA1", seed: int = 0, start: int | None = None) -> dict:
    """Half positives holding one sampled site of `motif`; returns `x (n, L, 4)`, `y (n,)`,
    `start`/`end` of each site (-1 for negatives), `strand`, and the `motif`."""
    rng = np.random.default_rng(seed)
    pwm = load_motif(motif).probabilities
    width = len(pwm)
    tokens = rng.integers(0, 4, (n, seq_len)).astype(np.uint8)
    y = (np.arange(n) % 2 == 0).astype(np.float32)
    starts = np.where(y == 1, rng.integers(0, seq_len - width + 1, n) if start is None else start, -1)
    strands = np.where(rng.random(n) < 0.5, 1, -1)
    cum = pwm.cumsum(1)
    for i in np.flatnonzero(y):
        site = (rng.random((width, 1)) > cum).sum(1).clip(0, 3).astype(np.uint8)
        if strands[i] < 0:
            site = (3 - site)[::-1]
        tokens[i, starts[i]:starts[i] + width] = site
    return {"x": one_hot(tokens), "y": y, "start": starts, "end": np.where(y == 1, starts + width, -1),
            "strand": strands, "motif": load_motif(motif)}
