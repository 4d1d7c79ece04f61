"""VCF reading (plain, gzip or bgzip): the alleles variant scoring needs, checked at the boundary.

`read_vcf(path)` streams `VcfRecord`s (CHROM, POS, ID, REF, ALTs and the 1-based line), after
checking the header: the first line must be `##fileformat=VCFv4.x` and a tab-separated
`#CHROM POS ID REF ALT ...` line must come before the first record. `read_alleles(path)` splits
multi-allelic records into one `Allele` per ALT and marks the ones no sequence model can score
(ALT equal to REF, symbolic `<DEL>`, breakends, `*`, missing `.`) with the reason in `skip`.
Every problem raises `VcfFormatError` naming the file, line and text. Coordinates stay as the file
gives them (POS 1-based); `deepmotif.core.coordinates` converts.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator, NamedTuple

from deepmotif.core.errors import SequenceFormatError
from deepmotif.core.fasta import read_lines

FIXED_COLUMNS = ("CHROM", "POS", "ID", "REF", "ALT")
_BASES = re.compile(r"[ACGTN]+")
_SYMBOLIC = re.compile(r"<[^<>]+>")
_BREAKEND = re.compile(r".*[\[\]].*|\..+|.+\.")  # t[p[, ]p]t, and single breakends .A / A.


class VcfFormatError(SequenceFormatError):
    """A VCF file is malformed; names the path, the 1-based line and the offending text."""


class VcfRecord(NamedTuple):
    """One VCF data line: `pos` 1-based (REF starts there), `ref` upper-case, `alts` as written
    (upper-cased), `line` its 1-based line in the file."""

    chrom: str
    pos: int
    id: str
    ref: str
    alts: tuple[str, ...]
    line: int


class Allele(NamedTuple):
    """One ALT of a record; `skip` is None when it can be scored, else why it cannot."""

    chrom: str
    pos: int
    id: str
    ref: str
    alt: str
    line: int
    skip: str | None = None


def _check_alt(path, n: int, alt: str, text: str) -> None:
    if alt in ("*", ".") or _BASES.fullmatch(alt) or _SYMBOLIC.fullmatch(alt) or _BREAKEND.fullmatch(alt):
        return
    raise VcfFormatError(path, n, f"ALT {alt!r} is neither bases (A, C, G, T, N), a symbolic <ID>, "
                                  "a breakend, '*' nor '.'", text)


def read_vcf(path) -> Iterator[VcfRecord]:
    """Stream the records of a VCF file.

    Parameters
    ----------
    path : str or pathlib.Path
        A VCF, plain or gzip/bgzip (recognized by content).

    Yields
    ------
    VcfRecord
        In file order.

    Raises
    ------
    VcfFormatError
        No such file, corrupt gzip, no `##fileformat=VCF` first line, a record before the `#CHROM`
        line, a `#CHROM` line without CHROM POS ID REF ALT, a line with the wrong number of
        tab-separated columns, a POS that is not a positive integer, a REF that is not bases, or an
        ALT that is none of bases, symbolic, breakend, `*` or `.`.
    """
    path = Path(path)
    columns = None
    try:
        lines = read_lines(path)
        for n, text in lines:
            if n == 1 and not text.startswith("##fileformat=VCF"):
                raise VcfFormatError(path, 1, "not a VCF: the first line must be '##fileformat=VCFv4.x'", text)
            if text.startswith("##") or not text.strip():
                continue
            if text.startswith("#"):
                columns = text[1:].split("\t")
                if tuple(c.strip() for c in columns[:5]) != FIXED_COLUMNS:
                    raise VcfFormatError(path, n, "the header line must start with the tab-separated columns "
                                                  "#CHROM POS ID REF ALT", text)
                continue
            if columns is None:
                raise VcfFormatError(path, n, "record before the '#CHROM POS ID REF ALT ...' header line", text)
            fields = text.split("\t")
            if len(fields) != len(columns):
                raise VcfFormatError(path, n, f"expected {len(columns)} tab-separated columns (as the #CHROM line), "
                                              f"got {len(fields)}", text)
            chrom, pos, vid, ref, alt = (f.strip() for f in fields[:5])
            if not (pos.isascii() and pos.isdigit()) or len(pos) > 18 or int(pos) < 1:  # not '²', not 10**5000
                raise VcfFormatError(path, n, f"POS {pos!r} is not a positive integer (VCF POS is 1-based)", text)
            ref = ref.upper()
            if not _BASES.fullmatch(ref):
                raise VcfFormatError(path, n, f"REF {ref!r} is not a run of A, C, G, T, N", text)
            alts = tuple(a.upper() if not a.startswith("<") else a for a in alt.split(","))
            for a in alts:
                _check_alt(path, n, a, text)
            yield VcfRecord(chrom, int(pos), vid, ref, alts, n)
    except VcfFormatError:
        raise
    except SequenceFormatError as e:  # missing file, corrupt gzip: same place, VCF wording
        raise VcfFormatError(e.path, e.line, e.problem, e.text) from e
    if columns is None:
        raise VcfFormatError(path, None, "no '#CHROM POS ID REF ALT ...' header line: not a VCF")


def allele_skip_reason(ref: str, alt: str) -> str | None:
    """Why a REF/ALT pair cannot be scored by a sequence model, or None if it can."""
    if alt == ".":
        return "no ALT ('.')"
    if alt == "*":
        return "spanning deletion ALT '*'"
    if _SYMBOLIC.fullmatch(alt):
        return f"symbolic ALT {alt}"
    if not _BASES.fullmatch(alt):
        return f"breakend ALT {alt}"
    if alt == ref:
        return "ALT equals REF"
    return None


def read_alleles(path) -> Iterator[Allele]:
    """`read_vcf`, one `Allele` per ALT (multi-allelic records split, in ALT order), each with the
    reason it cannot be scored in `skip` (None when it can)."""
    for record in read_vcf(path):
        for alt in record.alts:
            yield Allele(record.chrom, record.pos, record.id, record.ref, alt, record.line,
                         allele_skip_reason(record.ref, alt))


__all__ = ["Allele", "VcfFormatError", "VcfRecord", "allele_skip_reason", "read_alleles", "read_vcf"]
