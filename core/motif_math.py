"""Motif arithmetic on position matrices `(w, 4)` in ACGT order: counts to probabilities,
information content in bits, the most informative windows, log-odds against a background.

The one implementation the readers of JASPAR, the synthetic data, filter motifs, class
optimization and every logo use. NumPy only: `logomaker.transform_matrix` computes the same
information (its tests check it against this), but importing it costs half a second and
matplotlib, which `deepmotif.core` must not pay.
"""

from __future__ import annotations

import numpy as np

MAX_BITS = 2.0  # log2(4): a column holding one base with certainty


def normalize_counts(counts, pseudocount=0.0) -> np.ndarray:
    """Counts (or any non-negative weights) -> probabilities, each position summing to 1.

    Parameters
    ----------
    counts : array_like, shape (..., w, 4)
        Non-negative weights per position and base (ACGT); negative entries count as zero.
    pseudocount : float or array_like broadcastable to (..., w, 4), default 0.0
        Added to every entry before normalizing.

    Returns
    -------
    numpy.ndarray, shape (..., w, 4), float32
        Rows summing to 1; a position whose weights total zero becomes uniform (0.25 each).
    """
    counts = np.clip(np.asarray(counts, np.float64), 0.0, None) + np.asarray(pseudocount, np.float64)
    total = counts.sum(-1, keepdims=True)
    return np.where(total > 0, counts / np.where(total > 0, total, 1.0), 0.25).astype(np.float32)


def information_content(pwm) -> np.ndarray:
    """Information content of each position in bits: `2 + sum_b p_b log2 p_b`.

    Parameters
    ----------
    pwm : array_like, shape (..., w, 4)
        Probabilities (rows are normalized first, so counts work too).

    Returns
    -------
    numpy.ndarray, shape (..., w), float64
        Bits per position, in [0, 2]: 0 for a uniform column, 2 for a single base.
    """
    p = normalize_counts(pwm).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log2(np.where(p > 0, p, 1.0)), 0.0)
    return np.clip(MAX_BITS + plogp.sum(-1), 0.0, MAX_BITS)


def information_heights(pwm) -> np.ndarray:
    """Letter heights of an information logo: each probability times its column's bits.

    Parameters
    ----------
    pwm : array_like, shape (..., w, 4)
        Probabilities (rows are normalized first).

    Returns
    -------
    numpy.ndarray, shape (..., w, 4), float64
        Non-negative heights; each column sums to its information content.
    """
    p = normalize_counts(pwm).astype(np.float64)
    return p * information_content(p)[..., None]


def informative_windows(pwm, width: int, count: int = 1, min_fraction: float = 0.5) -> list[tuple[int, int]]:
    """Non-overlapping windows of `width` positions holding the most information, best first.

    Parameters
    ----------
    pwm : array_like, shape (L, 4)
        Probabilities, e.g. a class-optimization result.
    width : int
        Window width; clipped to `L`.
    count : int, default 1
        At most this many windows.
    min_fraction : float, default 0.5
        A window after the first is reported only if it holds at least this fraction of the
        first window's bits.

    Returns
    -------
    list of (int, int)
        `(start, end)` pairs, 0-based, end exclusive; ties go to the leftmost window.
    """
    bits = information_content(pwm)
    width = max(1, min(int(width), len(bits)))
    sums = np.convolve(bits, np.ones(width), mode="valid")
    windows: list[tuple[int, int]] = []
    for start in np.argsort(-sums, kind="stable"):
        start = int(start)
        if all(start + width <= s or start >= e for s, e in windows):
            if windows and sums[start] < min_fraction * sums[windows[0][0]]:
                break
            windows.append((start, start + width))
            if len(windows) == count:
                break
    return windows


def log_odds(probabilities, gc: float = 0.5, pseudocount: float = 0.01) -> np.ndarray:
    """Log2 odds of each base against an i.i.d. background of GC content `gc`.

    Parameters
    ----------
    probabilities : array_like, shape (w, 4)
        A motif's probabilities (ACGT).
    gc : float, default 0.5
        Background G+C fraction: A and T each `(1 - gc) / 2`, C and G each `gc / 2`.
    pseudocount : float, default 0.01
        Added to each probability (then renormalized) so that no base scores minus infinity.

    Returns
    -------
    numpy.ndarray, shape (w, 4), float64
    """
    background = np.array([(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2])
    p = (np.asarray(probabilities, np.float64) + pseudocount) / (1 + 4 * pseudocount)
    return np.log2(p / background)


__all__ = ["MAX_BITS", "normalize_counts", "information_content", "information_heights", "informative_windows",
           "log_odds"]
