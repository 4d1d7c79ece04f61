"""Peak and interval files: ENCODE narrowPeak and BED3+ (plain or gzip), validated line by line.

narrowPeak's column 10 is the summit's offset from `start` (`-1`: none, use the midpoint); a BED3+
line's summit is its midpoint (`core.coordinates.summit_position` either way). A file is read as
narrowPeak when its name ends in `.narrowPeak` (optionally `.gz`) or a line has exactly 10
columns. Blank lines and `#`, `track` and `browser` lines are skipped. Coordinates are 0-based
half-open, as in every BED file. Errors name the file, 1-based line and offending text.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from deepmotif.core.coordinates import summit_position
from deepmotif.core.errors import SequenceFormatError
from deepmotif.core.fasta import read_lines

_HEADER_PREFIXES = ("#", "track", "browser")
NARROWPEAK_COLUMNS = 10


class PeakFormatError(SequenceFormatError):
    """A peak or BED file line that cannot be read; names the path, 1-based line and text."""


class Peak(NamedTuple):
    """One peak: `[start, end)` 0-based on `chrom`, its 0-based `summit`, and its 1-based `line`."""

    chrom: str
    start: int
    end: int
    summit: int
    line: int


def _is_narrowpeak_name(path: Path) -> bool:
    return path.name.lower().removesuffix(".gz").endswith(".narrowpeak")


def _integer(path, lineno: int, text: str, value: str, column: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise PeakFormatError(path, lineno, f"{column} must be an integer, got {value!r}", text) from None


def _data_lines(path):
    """`(line number, text, fields)` of every line that is not blank, a comment, track or browser."""
    for lineno, text in read_lines(path):
        stripped = text.strip()
        if not stripped or stripped.startswith(_HEADER_PREFIXES):
            continue
        fields = text.split("\t") if "\t" in text else text.split()
        if len(fields) < 3:
            raise PeakFormatError(path, lineno, f"expected at least 3 columns (chrom, start, end), got {len(fields)}", text)
        chrom = fields[0].strip()
        start = _integer(path, lineno, text, fields[1].strip(), "start (column 2)")
        end = _integer(path, lineno, text, fields[2].strip(), "end (column 3)")
        if start < 0 or end <= start:
            raise PeakFormatError(path, lineno, f"need 0 <= start < end, got start {start}, end {end}", text)
        yield lineno, text, chrom, start, end, fields


def read_peaks(path) -> list[Peak]:
    """Peaks of a narrowPeak or BED3+ file (plain or gzip), in file order.

    Parameters
    ----------
    path : str or pathlib.Path
        narrowPeak (summit offset in column 10, `-1` for none) or BED with at least 3 columns.

    Returns
    -------
    list of Peak
        `(chrom, start, end, summit, line)`; `summit` is 0-based, inside `[start, end)`.

    Raises
    ------
    PeakFormatError
        No such file, corrupt gzip, fewer than 3 columns, a non-integer coordinate or summit,
        `start >= end`, a summit outside its peak, or no peaks at all.
    """
    path = Path(path)
    by_name = _is_narrowpeak_name(path)
    peaks = []
    for lineno, text, chrom, start, end, fields in _data_lines(path):
        offset = -1
        if by_name or len(fields) == NARROWPEAK_COLUMNS:
            if len(fields) < NARROWPEAK_COLUMNS:
                raise PeakFormatError(path, lineno, f"narrowPeak needs 10 columns, got {len(fields)}", text)
            offset = _integer(path, lineno, text, fields[9].strip(), "summit offset (column 10)")
            if offset < -1 or offset >= end - start:
                raise PeakFormatError(
                    path, lineno, f"summit offset {offset} lies outside the peak (width {end - start})", text
                )
        peaks.append(Peak(chrom, start, end, summit_position(start, end, offset), lineno))
    if not peaks:
        raise PeakFormatError(path, 1, "no peaks found (only blank, comment, track or browser lines)")
    return peaks


def read_intervals(path) -> list[Peak]:
    """Intervals of a BED3+ file (e.g. a blacklist) as `Peak`s whose summit is the midpoint.

    Same checks as `read_peaks` (column 10 is never read); an empty file gives an empty list.
    """
    return [
        Peak(chrom, start, end, summit_position(start, end), lineno)
        for lineno, _, chrom, start, end, _ in _data_lines(Path(path))
    ]
