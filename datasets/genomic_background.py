"""GC-matched genomic background: unbound windows with the GC content of the bound ones.

Candidates are `seq_len` windows at seeded random positions on the given contigs (those of one
split, so the background never crosses splits) that overlap no peak (widened by `flank` on both
sides), nothing in the blacklist and no window already taken, and hold at most `MAX_N_FRACTION`
N. Candidates are drawn until each GC bin holds as many windows as it has positives (the first
found in each bin are kept), or `max_candidates` have been drawn. A bin left short is an error
listing every bin's counts, never a silent imbalance. GC of a window is counted over its non-N
bases; bins are `bin_width` wide on [0, 1]. Any start position may be drawn (not a fixed grid),
so a GC-rich stretch shorter than two windows still offers a window of its GC.
"""

from __future__ import annotations

import bisect

import numpy as np

from deepmotif.core.errors import DatasetError
from deepmotif.datasets.genome import Genome
from deepmotif.datasets.interval_index import IntervalIndex
from deepmotif.datasets.peak_windows import Window

GC_BIN_WIDTH = 0.05  # GC of a 101-bp window varies by about +-0.05 by sampling alone
MAX_N_FRACTION = 0.1
CANDIDATES_PER_POSITIVE = 200
_BATCH = 2048


class BackgroundError(DatasetError):
    """Not enough GC-matched background windows; the message lists every GC bin's counts."""


def gc_fraction(sequence: str) -> float:
    """G+C over non-N bases of `sequence` (upper-case ACGTN); NaN when all N."""
    called = len(sequence) - sequence.count("N")
    return (sequence.count("G") + sequence.count("C")) / called if called else float("nan")


def _bin(gc: float, width: float) -> int:
    return min(int(gc / width), int(np.ceil(1 / width)) - 1)


def _taken(chosen_starts: list[int], start: int, seq_len: int) -> bool:
    """Whether `[start, start + seq_len)` overlaps a window starting at one of the sorted `chosen_starts`."""
    i = bisect.bisect_left(chosen_starts, start - seq_len + 1)
    return i < len(chosen_starts) and chosen_starts[i] < start + seq_len


def _bin_table(needed: dict[int, int], found: dict[int, int], width: float) -> str:
    rows = [f"  GC {b * width:.2f}-{min(1, (b + 1) * width):.2f}: {needed.get(b, 0):>6} positives, "
            f"{found.get(b, 0):>6} background windows" for b in sorted(set(needed) | set(found))]
    return "\n".join(rows)


def matched_background(
    genome: Genome,
    positives: list[Window],
    contigs: list[str],
    exclude: IntervalIndex,
    seq_len: int,
    seed: int = 0,
    bin_width: float = GC_BIN_WIDTH,
    max_candidates: int | None = None,
    label: str = "",
) -> list[Window]:
    """One GC-matched background window per positive, from `contigs`, avoiding `exclude`.

    Parameters
    ----------
    genome : Genome
        Where the windows are read.
    positives : list of Window
        Bound windows; their GC content (over non-N bases) sets the bins to fill.
    contigs : list of str
        Genome contig names to draw from (one split's).
    exclude : IntervalIndex
        Peaks with their flanks, and the blacklist: no background window overlaps them.
    seq_len : int
        Window width.
    seed : int, default 0
        Seeds the positions drawn.
    bin_width : float, default 0.05
        GC bin width.
    max_candidates : int, optional
        Positions drawn at most (default `CANDIDATES_PER_POSITIVE` per positive, at least 20,000).
    label : str
        Names the split in errors.

    Returns
    -------
    list of Window
        `len(positives)` windows (`line` 0), distinct and non-overlapping.

    Raises
    ------
    BackgroundError
        A GC bin of the positives found fewer background windows than it needs.
    """
    needed: dict[int, int] = {}
    for window in positives:
        gc = gc_fraction(window.sequence)
        if not np.isnan(gc):
            needed[_bin(gc, bin_width)] = needed.get(_bin(gc, bin_width), 0) + 1
    room = np.array([max(0, genome.contigs[c] - seq_len + 1) for c in contigs], np.int64)
    budget = max_candidates or max(CANDIDATES_PER_POSITIVE * len(positives), 20_000)
    rng = np.random.default_rng([seed, len(positives), int(room.sum())])
    chosen: dict[int, list[Window]] = {b: [] for b in needed}
    taken: dict[str, list[int]] = {c: [] for c in contigs}
    found: dict[int, int] = {}
    drawn = 0
    while room.sum() and drawn < budget and any(len(chosen[b]) < n for b, n in needed.items()):
        contig_of = rng.choice(len(contigs), size=_BATCH, p=room / room.sum())
        starts = (rng.random(_BATCH) * room[contig_of]).astype(np.int64)
        drawn += _BATCH
        for c in np.unique(contig_of):
            here = starts[contig_of == c]
            for start in here[~exclude.overlaps(contigs[c], here, here + seq_len)].tolist():
                if _taken(taken[contigs[c]], start, seq_len):
                    continue
                sequence = genome.fetch(contigs[c], start, start + seq_len)
                if sequence.count("N") > MAX_N_FRACTION * seq_len:
                    continue
                b = _bin(gc_fraction(sequence), bin_width)
                found[b] = found.get(b, 0) + 1
                if b in chosen and len(chosen[b]) < needed[b]:
                    chosen[b].append(Window(contigs[c], start, start + seq_len, sequence, 0))
                    bisect.insort(taken[contigs[c]], start)
    short = {b: n for b, n in needed.items() if len(chosen[b]) < n}
    if short:
        where = f" for the {label} split" if label else ""
        raise BackgroundError(
            f"GC-matched background{where} ran out: {len(short)} GC bin(s) found fewer background windows "
            f"than positives on {', '.join(contigs) or 'no contigs'} (after removing peaks, flanks and the "
            f"blacklist; {drawn:,} positions drawn). Per bin (candidate windows of that GC):\n"
            f"{_bin_table(needed, found, bin_width)}\n"
            f"Use --background shuffle, or give more of the genome to this split"
        )
    return [w for b in sorted(chosen) for w in chosen[b]]
