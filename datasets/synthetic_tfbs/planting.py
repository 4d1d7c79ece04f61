"""Synthetic TFBS sequences: i.i.d. background with real JASPAR motif instances planted in it.

Two tasks, both with balanced labels and full ground truth:
- presence (one target motif): positives hold one target instance, negatives none; both classes
  hold a decoy (another TF's motif) at the same rate, so "any motif" does not predict the label.
- grammar (motifs A, B): positive only when A lies upstream of B (both read on the + strand) with a
  gap in `spacing`; negatives hold B before A, A and B too far apart, or only one of them.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from deepmotif.datasets.jaspar import Motif, relative_scores

GRAMMAR_NEGATIVES = ("b_then_a", "too_far", "only_a", "only_b")


class Placement(NamedTuple):
    """One planted instance: `motif` index into the motif list, `strand` +1/-1, `[start, end)`."""

    motif: int
    strand: int
    start: int
    end: int
    role: str  # "target" or "decoy"


class Plan(NamedTuple):
    label: int
    arrangement: str
    placements: list[Placement]


def background(rng: np.random.Generator, n: int, length: int, gc: float) -> np.ndarray:
    """`(n, length)` uint8 tokens drawn i.i.d. with GC content `gc`."""
    p = np.array([(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2])
    return rng.choice(4, size=(n, length), p=p).astype(np.uint8)


def sample_instances(
    rng: np.random.Generator, motif: Motif, n: int, gc: float, min_relative_score: float
) -> np.ndarray:
    """`(n, w)` uint8 forward-strand instances drawn from the PWM, keeping those that score at least
    `min_relative_score` (0 = worst, 1 = consensus) so every planted site is a recognisable site."""
    cdf = np.cumsum(motif.probabilities.astype(np.float64), axis=1)
    cdf[:, -1] = 1.0
    kept = [np.zeros((0, len(cdf)), np.uint8)]
    have = 0
    for _ in range(100):
        if have >= n:
            break
        draws = (rng.random((max(2 * (n - have), 16), len(cdf), 1)) > cdf[None]).sum(-1).astype(np.uint8)
        good = draws[relative_scores(draws, motif.probabilities, gc) >= min_relative_score]
        kept.append(good)
        have += len(good)
    instances = np.concatenate(kept)[:n]
    if len(instances) < n:
        raise ValueError(f"{motif.matrix_id} rarely reaches relative score {min_relative_score}; lower it")
    return instances


def reverse_complement(tokens: np.ndarray) -> np.ndarray:
    """Reverse complement of ACGT tokens `(..., w)`."""
    return (3 - tokens)[..., ::-1]


def _free_start(rng: np.random.Generator, length: int, width: int, taken: list[Placement]) -> int:
    starts = np.arange(length - width + 1)
    free = np.ones(len(starts), bool)
    for p in taken:
        free &= (starts + width <= p.start) | (starts >= p.end)
    if not free.any():
        raise ValueError(f"no room for a motif of width {width} in length {length}")
    return int(rng.choice(starts[free]))


def presence_plan(
    rng: np.random.Generator, label: int, widths: list[int], n_decoys: int, decoy_rate: float, length: int
) -> Plan:
    """Motif 0 is the target; motifs 1..n_decoys are decoys. Random positions and strands."""
    placements: list[Placement] = []
    if label:
        start = _free_start(rng, length, widths[0], placements)
        placements.append(Placement(0, int(rng.choice((1, -1))), start, start + widths[0], "target"))
    if n_decoys and rng.random() < decoy_rate:
        k = 1 + int(rng.integers(n_decoys))
        start = _free_start(rng, length, widths[k], placements)
        placements.append(Placement(k, int(rng.choice((1, -1))), start, start + widths[k], "decoy"))
    return Plan(label, "present" if label else "absent", sorted(placements, key=lambda p: p.start))


def grammar_plan(
    rng: np.random.Generator, arrangement: str, widths: list[int], spacing: tuple[int, int], far: int, length: int
) -> Plan:
    """Motif 0 is A, motif 1 is B, both on the + strand; `arrangement` is `a_then_b` (the positive)
    or one of GRAMMAR_NEGATIVES. Gaps count bases between the end of one motif and the next start."""
    wa, wb = widths[0], widths[1]
    if arrangement in ("only_a", "only_b"):
        k = 0 if arrangement == "only_a" else 1
        start = int(rng.integers(length - widths[k] + 1))
        return Plan(0, arrangement, [Placement(k, 1, start, start + widths[k], "target")])
    if arrangement == "too_far":
        gap = int(rng.integers(far, length - wa - wb + 1))
    else:
        gap = int(rng.integers(spacing[0], spacing[1] + 1))
    first, second = (1, 0) if arrangement == "b_then_a" else (0, 1)
    start = int(rng.integers(length - wa - wb - gap + 1))
    second_start = start + widths[first] + gap
    placements = [
        Placement(first, 1, start, start + widths[first], "target"),
        Placement(second, 1, second_start, second_start + widths[second], "target"),
    ]
    return Plan(int(arrangement == "a_then_b"), arrangement, placements)


def realize(
    rng: np.random.Generator, plans: list[Plan], motifs: list[Motif], length: int, gc: float, min_relative_score: float
) -> np.ndarray:
    """`(n, length)` uint8 tokens: background with every planned instance written in (batched per motif)."""
    tokens = background(rng, len(plans), length, gc)
    for k, motif in enumerate(motifs):
        sites = [(i, p) for i, plan in enumerate(plans) for p in plan.placements if p.motif == k]
        if not sites:
            continue
        instances = sample_instances(rng, motif, len(sites), gc, min_relative_score)
        for (i, p), instance in zip(sites, instances):
            tokens[i, p.start : p.end] = instance if p.strand == 1 else reverse_complement(instance)
    return tokens
