"""Genomic coordinates, done once. Every other module converts through here.

Conventions (the file formats' own):
- BED, narrowPeak and everything inside this project: 0-based, half-open `[start, end)`.
- narrowPeak column 10 (`peak`): the summit's 0-based offset from `start`; `-1` means "no summit".
- VCF `POS`: 1-based; `REF` starts at `POS`, so its 0-based start is `POS - 1`.

A window of width `w` "centred on" 0-based position `c` is `[c - w // 2, c - w // 2 + w)`: `c` is
at index `w // 2` of the window (the middle for odd `w`, just right of it for even `w`).
A variant's windows (`variant_flanks`) and a scan's bins (`scan_bins`) follow the same convention.
"""

from __future__ import annotations

from typing import NamedTuple


def window_around(center: int, width: int) -> tuple[int, int]:
    """0-based half-open window of `width` bp with 0-based position `center` at index `width // 2`.

    Parameters
    ----------
    center : int
        0-based position to centre on.
    width : int
        Window width in bp (> 0).

    Returns
    -------
    tuple of int
        `(start, end)`, 0-based half-open; `start` may be negative near a contig start (callers pad).
    """
    if width < 1:
        raise ValueError(f"window width must be positive, got {width}")
    start = int(center) - int(width) // 2
    return start, start + int(width)


def summit_position(start: int, end: int, summit_offset: int = -1) -> int:
    """0-based summit of a BED/narrowPeak interval `[start, end)`.

    `summit_offset` is narrowPeak's column 10 (offset from `start`); `-1` (or a BED without it)
    means the midpoint `start + (end - start) // 2`.
    """
    if summit_offset is None or summit_offset < 0:
        return int(start) + (int(end) - int(start)) // 2
    return int(start) + int(summit_offset)


def vcf_to_zero_based(pos: int) -> int:
    """0-based start of a VCF record's REF allele from its 1-based `POS`."""
    return int(pos) - 1


def bed_to_vcf_position(start: int) -> int:
    """1-based VCF `POS` of the base at 0-based `start` (inverse of `vcf_to_zero_based`)."""
    return int(start) + 1


class VariantFlanks(NamedTuple):
    """Where the genome parts of a variant's two windows come from (0-based half-open).

    The reference window is `left + REF + ref_right`, the alternate window `left + ALT + alt_right`;
    both are `width` long. They share the left flank, so they differ only from the variant on.
    """

    left: tuple[int, int]
    ref_right: tuple[int, int]
    alt_right: tuple[int, int]


def variant_flanks(pos: int, ref_len: int, alt_len: int, width: int) -> VariantFlanks:
    """Flanks that make `width`-bp reference and alternate windows centred on a VCF variant.

    The longer allele's middle base (index `n // 2` of an allele of length `n`) sits at window index
    `width // 2`, where `window_around` puts its centre, so an SNV is at `width // 2` of both windows.
    The right flanks are re-fetched after REF (`pos - 1 + ref_len`), long enough that each window
    keeps `width` bases: a deletion pulls more right flank in, an insertion less.

    Parameters
    ----------
    pos : int
        VCF `POS` (1-based; REF starts here).
    ref_len, alt_len : int
        Lengths of REF and ALT (>= 1; anchored indels count their anchor base).
    width : int
        The model's window; both alleles must fit (`max(ref_len, alt_len) <= width`).

    Returns
    -------
    VariantFlanks
        `left`, `ref_right`, `alt_right` genome intervals; starts may be negative or ends past a
        contig end near its edges (the genome reader pads with `N`).
    """
    ref_len, alt_len, width = int(ref_len), int(alt_len), int(width)
    if ref_len < 1 or alt_len < 1:
        raise ValueError(f"alleles must be at least 1 bp, got REF {ref_len} and ALT {alt_len}")
    if max(ref_len, alt_len) > width:
        raise ValueError(f"an allele of {max(ref_len, alt_len)} bp does not fit a {width}-bp window")
    start = vcf_to_zero_based(pos)
    left = width // 2 - max(ref_len, alt_len) // 2
    after = start + ref_len
    return VariantFlanks(
        left=(start - left, start),
        ref_right=(after, after + width - left - ref_len),
        alt_right=(after, after + width - left - alt_len),
    )


def scan_bins(start: int, end: int, contig_length: int, window: int, stride: int) -> tuple[int, int]:
    """Which bins of a scanned region have a whole window inside the contig.

    A scan of `[start, end)` tiles it with bins `[start + i * stride, min(start + (i + 1) * stride, end))`;
    bin `i` gets the score of the window `[b - off, b - off + window)` with `b` its start and
    `off = (window - stride) // 2`, i.e. the bin is the window's central `stride` bases. Windows may
    reach outside the region into the flanking genome but never past a contig end: bins whose window
    would are left out (so the first and last `~window / 2` bases of a contig get no score).

    Parameters
    ----------
    start, end : int
        The region, 0-based half-open, inside `[0, contig_length]`.
    contig_length : int
        Length of the contig the region lies on.
    window, stride : int
        Window width and step in bp, `1 <= stride <= window`.

    Returns
    -------
    tuple of int
        `(first, stop)`: bins `first <= i < stop` are scored (`first == stop` when none is).
    """
    start, end, contig_length, window, stride = map(int, (start, end, contig_length, window, stride))
    if not 1 <= stride <= window:
        raise ValueError(f"stride must be between 1 and the window ({window}), got {stride}")
    off = (window - stride) // 2
    n_bins = -(-(end - start) // stride) if end > start else 0
    first = max(0, -(-(off - start) // stride))
    stop = min(n_bins, (contig_length - window + off - start) // stride + 1)
    return first, max(first, stop)
