"""Peaks -> fixed-width genome windows centred on their summits, counting every peak left out.

A peak is left out, never silently, when its contig is not in the genome, it runs past the contig
end (the file is likely from another assembly), its contig is not a canonical chromosome (unless
`all_contigs`), it overlaps the blacklist, its window repeats an earlier one (duplicates are
collapsed), or its window is mostly `N`. `PeakReport` keeps the count and the first few
`file:line` of each reason.
"""

from __future__ import annotations

import collections
import dataclasses
from typing import NamedTuple

from deepmotif.core.coordinates import window_around
from deepmotif.datasets.chrom_splits import is_canonical
from deepmotif.datasets.genome import Genome
from deepmotif.datasets.interval_index import IntervalIndex
from deepmotif.datasets.peaks import Peak

MAX_N_FRACTION = 0.5  # a window more than half N is "mostly N"
EXAMPLES_KEPT = 5
REASONS = {
    "absent_contig": "contig not in the genome",
    "past_end": "peak runs past the contig end",
    "non_canonical": "not a canonical chromosome (pass --all-contigs to keep)",
    "blacklisted": "overlaps the blacklist",
    "duplicate": "same window as an earlier peak (collapsed)",
    "mostly_n": f"window more than {MAX_N_FRACTION:.0%} N",
}


class Window(NamedTuple):
    """A genome window: contig (the genome's name), `[start, end)` 0-based, bases, source line."""

    chrom: str
    start: int
    end: int
    sequence: str
    line: int

    @property
    def id(self) -> str:
        """`chrom:start-end`, the example id."""
        return f"{self.chrom}:{self.start}-{self.end}"


@dataclasses.dataclass
class PeakReport:
    """How many peaks a file had, how many became windows, and why the others did not."""

    path: str
    n_peaks: int = 0
    n_windows: int = 0
    skipped: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    lines: dict = dataclasses.field(default_factory=dict)  # reason -> first few line numbers

    def skip(self, reason: str, peak: Peak) -> None:
        self.skipped[reason] += 1
        kept = self.lines.setdefault(reason, [])
        if len(kept) < EXAMPLES_KEPT:
            kept.append(peak.line)

    def as_dict(self) -> dict:
        """JSON-ready: `{path, n_peaks, n_windows, skipped: {reason: {count, lines}}}`."""
        skipped = {r: {"count": int(self.skipped[r]), "lines": list(self.lines[r])} for r in REASONS if self.skipped[r]}
        return {"path": self.path, "n_peaks": self.n_peaks, "n_windows": self.n_windows, "skipped": skipped}


def describe_skipped(report: dict) -> list[str]:
    """Human lines from `PeakReport.as_dict()`: `"  3 contig not in the genome (peaks.bed:4, ...)"`."""
    out = []
    for reason, entry in report.get("skipped", {}).items():
        where = ", ".join(f"{report['path']}:{line}" for line in entry["lines"])
        more = ", ..." if entry["count"] > len(entry["lines"]) else ""
        out.append(f"{entry['count']:>6,} {REASONS.get(reason, reason)} ({where}{more})")
    return out


def peak_windows(
    peaks: list[Peak],
    genome: Genome,
    seq_len: int,
    path: str = "",
    blacklist: IntervalIndex | None = None,
    all_contigs: bool = False,
) -> tuple[list[Window], PeakReport]:
    """Windows of `seq_len` bp centred on each peak's summit, in file order, and the report.

    Parameters
    ----------
    peaks : list of Peak
        From `peaks.read_peaks`.
    genome : Genome
        The windows' sequences come from here (N-padded past a contig end).
    seq_len : int
        Window width in bp.
    path : str
        The peak file's name, for the report.
    blacklist : IntervalIndex, optional
        Peaks overlapping it are left out.
    all_contigs : bool, default False
        Keep peaks on non-canonical contigs (unplaced, alternate, mitochondrial).

    Returns
    -------
    (list of Window, PeakReport)
    """
    report = PeakReport(str(path), n_peaks=len(peaks))
    seen: set[tuple[str, int]] = set()
    windows = []
    for peak in peaks:
        chrom = genome.resolve(peak.chrom)
        if chrom is None:
            report.skip("absent_contig", peak)
            continue
        if peak.end > genome.contigs[chrom]:
            report.skip("past_end", peak)
            continue
        if not (all_contigs or is_canonical(chrom)):
            report.skip("non_canonical", peak)
            continue
        if blacklist is not None and blacklist.overlaps(chrom, peak.start, peak.end)[0]:
            report.skip("blacklisted", peak)
            continue
        start, end = window_around(peak.summit, seq_len)
        if (chrom, start) in seen:
            report.skip("duplicate", peak)
            continue
        seen.add((chrom, start))
        sequence = genome.fetch(chrom, start, end)
        if sequence.count("N") > MAX_N_FRACTION * seq_len:
            report.skip("mostly_n", peak)
            continue
        windows.append(Window(chrom, start, end, sequence, peak.line))
    report.n_windows = len(windows)
    return windows, report
