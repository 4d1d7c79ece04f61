"""Does a window overlap any of a set of intervals? Per contig, merged and binary-searched.

Contigs are matched by `genome.chromosome_key`, so a blacklist that writes `chr1` applies to a
genome that writes `1`. Intervals are 0-based half-open; touching intervals do not overlap.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

from deepmotif.datasets.genome import chromosome_key


class IntervalIndex:
    """A fixed set of `(chrom, start, end)` intervals, merged per contig for overlap queries."""

    def __init__(self, intervals: Iterable[tuple[str, int, int]] = ()):
        by_key: dict[str, list[tuple[int, int]]] = {}
        for chrom, start, end in intervals:
            by_key.setdefault(chromosome_key(chrom), []).append((int(start), int(end)))
        self._merged: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for key, spans in by_key.items():
            spans.sort()
            starts, ends = [spans[0][0]], [spans[0][1]]
            for start, end in spans[1:]:
                if start <= ends[-1]:
                    ends[-1] = max(ends[-1], end)
                else:
                    starts.append(start)
                    ends.append(end)
            self._merged[key] = (np.asarray(starts, np.int64), np.asarray(ends, np.int64))

    def __len__(self) -> int:
        return sum(len(s) for s, _ in self._merged.values())

    def overlaps(self, chrom: str, starts, ends) -> np.ndarray:
        """`(n,)` bool: whether each window `[starts[i], ends[i])` on `chrom` overlaps an interval.

        Parameters
        ----------
        chrom : str
            Contig, any naming style.
        starts, ends : int or array-like of int, shape (n,)
            0-based half-open windows.
        """
        starts = np.atleast_1d(np.asarray(starts, np.int64))
        ends = np.atleast_1d(np.asarray(ends, np.int64))
        merged = self._merged.get(chromosome_key(chrom))
        if merged is None:
            return np.zeros(starts.shape, bool)
        merged_starts, merged_ends = merged
        # the first merged interval ending after the window starts is the only candidate
        i = np.searchsorted(merged_ends, starts, side="right")
        inside = i < len(merged_ends)
        hit = np.zeros(starts.shape, bool)
        hit[inside] = merged_starts[i[inside]] < ends[inside]
        return hit
