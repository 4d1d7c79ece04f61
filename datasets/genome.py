"""A reference genome read through its FASTA index, one window at a time (never loaded whole).

`open_genome(path)` opens a plain or bgzip-compressed FASTA with pyfaidx, building the `.fai`
(and, for bgzip, `.gzi`) index next to it on first use. Windows are 0-based half-open, upper-case,
and N-padded where they run past either end of a contig, so a window centred near a contig end
keeps its width. Letters other than ACGTN (IUPAC codes such as `R`, `Y` in some assemblies) read
as `N`. Contig names alias across naming styles: `chr1` <-> `1`, `chrX` <-> `X`, `chrM` <-> `MT`.

pyfaidx rather than pysam: a pure-Python wheel (no htslib to compile) that reads bgzip through
Biopython's BGZF reader (`Bio.bgzf`; Biopython is a declared dependency for that reason).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from deepmotif.core.errors import DeepMotifError
from deepmotif.core.fasta import GZIP_MAGIC
from deepmotif.core.sequences import tokenize

# A bgzip file is gzip whose first member carries the `BC` extra subfield (SAM spec, section 4.1).
_BGZF_EXTRA = b"BC\x02\x00"
_NOT_ACGTN = re.compile(r"[^ACGTN]")
_FASTA_SUFFIXES = (".gz", ".bgz", ".bgzf", ".fa", ".fasta", ".fna", ".fas", ".2bit")
# Assembly names as UCSC, GENCODE/Ensembl and T2T spell them, found anywhere in a file name.
_ASSEMBLY_NAME = re.compile(
    r"(?<![A-Za-z0-9])("
    r"(?:hg|mm|rn|danRer|dm|ce|sacCer|galGal|bosTau|susScr|canFam|panTro|rheMac|xenTro)\d+"
    r"|GRC[hmz]\d+|T2T-CHM13(?:v\d+(?:\.\d+)?)?|CHM13(?:v\d+(?:\.\d+)?)?"
    r")(?![0-9])",
    re.IGNORECASE,
)
_MITOCHONDRIAL = ("M", "MT")


class GenomeError(DeepMotifError, ValueError):
    """A genome FASTA cannot be opened or read as asked; names the file and the problem."""


def assembly_from_path(path) -> str:
    """The assembly name a genome file's name implies: `hg38` from `hg38.fa.gz`, `GRCh38` from
    `GRCh38.primary_assembly.genome.fa`; otherwise the name without its FASTA/compression suffixes."""
    name = Path(path).name
    match = _ASSEMBLY_NAME.search(name)
    if match:
        return match.group(1)
    stem = name
    while True:
        lowered = stem.lower()
        suffix = next((s for s in _FASTA_SUFFIXES if lowered.endswith(s) and len(stem) > len(s)), None)
        if suffix is None:
            return stem
        stem = stem[: -len(suffix)]


def chromosome_key(name: str) -> str:
    """Naming-style-free key of a contig: `chr1` and `1` -> `1`; `chrM`, `M`, `MT` -> `MT`."""
    base = name[3:] if name[:3].lower() == "chr" and len(name) > 3 else name
    return "MT" if base.upper() in _MITOCHONDRIAL else base


def _compression(path: Path) -> str:
    """`"plain"`, `"bgzip"` or `"gzip"` from the file's first bytes."""
    with open(path, "rb") as f:
        head = f.read(18)
    if head[:2] != GZIP_MAGIC:
        return "plain"
    flags = head[3] if len(head) > 3 else 0
    return "bgzip" if flags & 4 and head[12:16] == _BGZF_EXTRA else "gzip"


def _check_index_writable(path: Path, compression: str) -> None:
    """The index files pyfaidx needs either exist or can be written beside the genome."""
    needed = [Path(f"{path}.fai")] + ([Path(f"{path}.gzi")] if compression == "bgzip" else [])
    missing = [p for p in needed if not p.is_file() or p.stat().st_mtime < path.stat().st_mtime]
    if missing and not os.access(path.parent, os.W_OK):
        raise GenomeError(
            f"{path}: its index {missing[0].name} is missing or older than the FASTA, and its folder "
            f"{path.parent} is not writable. Index it where it is writable (`samtools faidx {path.name}`) "
            f"or copy the genome to a writable folder"
        )


class Genome:
    """An indexed genome FASTA: `.path`, `.assembly`, `.contigs` ({name: length}, in file order).

    Use `open_genome(path)`; close with `.close()` or a `with` block.
    """

    def __init__(self, path, assembly: str | None = None):
        import pyfaidx

        self.path = Path(path)
        if not self.path.is_file():
            raise GenomeError(f"{self.path}: no such genome FASTA")
        compression = _compression(self.path)
        if compression == "gzip":
            raise GenomeError(
                f"{self.path}: plain gzip cannot be read by position. bgzip it "
                f"(`gunzip {self.path.name} && bgzip {self.path.stem}`, or `bgzip -dc {self.path.name} | bgzip "
                f"> OUT.fa.gz`) or decompress it (`gunzip {self.path.name}`)"
            )
        _check_index_writable(self.path, compression)
        self.assembly = str(assembly) if assembly else assembly_from_path(self.path)
        try:
            self._fasta = pyfaidx.Fasta(
                str(self.path), as_raw=True, sequence_always_upper=True, read_long_names=False, rebuild=True
            )
        except pyfaidx.UnsupportedCompressionFormat as e:
            raise GenomeError(f"{self.path}: {e}") from e
        except (pyfaidx.FastaIndexingError, ValueError, IndexError) as e:
            raise GenomeError(
                f"{self.path}: cannot index it ({e}). Every record's lines must be equally long and names "
                f"unique; delete a stale {self.path.name}.fai if the FASTA changed"
            ) from e
        except ImportError as e:  # bgzip without Biopython
            raise GenomeError(f"{self.path}: reading bgzip needs Biopython ({e})") from e
        except OSError as e:
            raise GenomeError(f"{self.path}: cannot read it or write its index ({e})") from e
        self.contigs = {name: len(record) for name, record in self._fasta.records.items()}
        self._by_key: dict[str, str] = {}
        for name in self.contigs:
            self._by_key.setdefault(chromosome_key(name), name)

    def resolve(self, chrom: str) -> str | None:
        """The genome's own name for `chrom` (exact, else `chr1`<->`1`, `chrM`<->`MT`), or None."""
        if chrom in self.contigs:
            return chrom
        return self._by_key.get(chromosome_key(str(chrom)))

    def _contig(self, chrom: str) -> str:
        name = self.resolve(chrom)
        if name is None:
            shown = ", ".join(list(self.contigs)[:8]) + (" ..." if len(self.contigs) > 8 else "")
            raise GenomeError(f"{self.path}: no contig {chrom!r} (genome {self.assembly} has {shown})")
        return name

    def fetch(self, chrom: str, start: int, end: int) -> str:
        """Bases `[start, end)` (0-based) of `chrom`, upper-case, N where past a contig end.

        Parameters
        ----------
        chrom : str
            Contig name in any naming style (`chr1` or `1`).
        start, end : int
            0-based half-open window; may extend past either contig end (padded with `N`).

        Returns
        -------
        str
            `end - start` characters from `ACGTN`.
        """
        name = self._contig(chrom)
        start, end = int(start), int(end)
        if end < start:
            raise GenomeError(f"window {chrom}:{start}-{end} ends before it starts")
        length = self.contigs[name]
        lo, hi = max(start, 0), min(end, length)
        try:
            inside = self._fasta[name][lo:hi] if hi > lo else ""
        except (OSError, ValueError) as e:
            raise GenomeError(f"{self.path}: cannot read {name}:{lo}-{hi} ({e})") from e
        if hi <= lo:  # wholly outside the contig
            return "N" * (end - start)
        return "N" * (lo - start) + _NOT_ACGTN.sub("N", inside) + "N" * (end - hi)

    def fetch_tokens(self, chrom: str, start: int, end: int) -> np.ndarray:
        """`fetch` as `(end - start,)` uint8 tokens (A0 C1 G2 T3 N4)."""
        return tokenize(self.fetch(chrom, start, end))

    def close(self) -> None:
        """Close the FASTA file handle (idempotent)."""
        fasta = getattr(self, "_fasta", None)
        if fasta is not None:
            fasta.close()
            self._fasta = None

    def __enter__(self) -> "Genome":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Genome({str(self.path)!r}, assembly={self.assembly!r}, contigs={len(self.contigs)})"


def open_genome(path, assembly: str | None = None) -> Genome:
    """Open a genome FASTA (plain or bgzip) by its index; `assembly` defaults to the file's name.

    Raises `GenomeError` for a missing file, plain gzip (bgzip it or decompress it), or an index
    that cannot be built or read.
    """
    return Genome(path, assembly)
