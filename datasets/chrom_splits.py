"""Train / validation / test by whole chromosomes: named presets or explicit lists.

Holding out whole chromosomes keeps overlapping or nearby windows (and a peak's GC-matched
background) out of two splits at once. Presets follow the tools that made them common:

- `bpnet-lite` (default): test chr1, validation chr8, chr10. bpnet-lite's `bpnet fit` defaults
  train on chr2-7, 9, 11-22, X and validate on chr8, chr10, leaving chr1 out (ChromBPNet fold 0).
- `grelu`: test chr11, validation chr10 (`grelu.data.preprocess.split` defaults).
- `selene`: test chr8, chr9, validation chr6, chr7 (Selene's DeepSEA training configuration).

Everything else is train. Names match across styles (`chr8` == `8`, `chrM` == `MT`). Canonical
chromosomes are numbered ones plus X, Y (and Z, W; with or without `chr`); unplaced, random,
alternate, decoy and mitochondrial contigs are left out unless asked for (`all_contigs`).
"""

from __future__ import annotations

import re
from typing import Iterable, NamedTuple

from deepmotif.core.errors import DatasetError, UnknownNameError
from deepmotif.datasets.genome import chromosome_key

SPLITS = ("train", "validation", "test")
PRESETS = {
    "bpnet-lite": {"test": ("chr1",), "validation": ("chr8", "chr10")},
    "grelu": {"test": ("chr11",), "validation": ("chr10",)},
    "selene": {"test": ("chr8", "chr9"), "validation": ("chr6", "chr7")},
}
DEFAULT_PRESET = "bpnet-lite"
_CANONICAL = re.compile(r"(?:chr)?(?:[0-9]+|[XYZW])", re.IGNORECASE)


class ChromSplit(NamedTuple):
    """Which chromosomes are held out: `preset` name (None for explicit lists), `test`, `validation`."""

    preset: str | None
    test: tuple[str, ...]
    validation: tuple[str, ...]

    def as_dict(self) -> dict:
        """JSON-ready: `{"preset", "test_chroms", "valid_chroms"}`."""
        return {"preset": self.preset, "test_chroms": list(self.test), "valid_chroms": list(self.validation)}


def parse_chroms(value) -> tuple[str, ...]:
    """`"chr8,chr9"`, `"chr8 chr9"` or a list -> `("chr8", "chr9")`; None or empty -> `()`."""
    if value is None:
        return ()
    items = re.split(r"[,\s]+", value) if isinstance(value, str) else [str(v) for v in value]
    return tuple(dict.fromkeys(i.strip() for i in items if i and i.strip()))


def chrom_split(preset: str | None = None, test_chroms=None, valid_chroms=None) -> ChromSplit:
    """The split asked for: a preset, or explicit test and validation lists (not both).

    With neither, the default preset (`bpnet-lite`). Raises DatasetError for a preset given with
    lists, only one list, or a chromosome in both; UnknownNameError for an unknown preset.
    """
    test, validation = parse_chroms(test_chroms), parse_chroms(valid_chroms)
    if preset and (test or validation):
        raise DatasetError("give either a split preset (--split-preset) or --test-chroms/--valid-chroms, not both")
    if test or validation:
        if not (test and validation):
            raise DatasetError("explicit chromosome splits need both --test-chroms and --valid-chroms")
        both = sorted({chromosome_key(c) for c in test} & {chromosome_key(c) for c in validation})
        if both:
            raise DatasetError(f"chromosome(s) {', '.join(both)} are in both --test-chroms and --valid-chroms")
        return ChromSplit(None, test, validation)
    preset = preset or DEFAULT_PRESET
    if preset not in PRESETS:
        raise UnknownNameError("chromosome split preset", preset, PRESETS)
    return ChromSplit(preset, PRESETS[preset]["test"], PRESETS[preset]["validation"])


def is_canonical(chrom: str) -> bool:
    """Whether `chrom` is a numbered chromosome, X, Y, Z or W (`chr` prefix optional)."""
    return bool(_CANONICAL.fullmatch(chrom))


def split_of(chrom: str, split: ChromSplit) -> str:
    """`"test"`, `"validation"` or `"train"` for a contig under `split`."""
    key = chromosome_key(chrom)
    if key in {chromosome_key(c) for c in split.test}:
        return "test"
    if key in {chromosome_key(c) for c in split.validation}:
        return "validation"
    return "train"


def contigs_by_split(contigs: Iterable[str], split: ChromSplit, all_contigs: bool = False) -> dict[str, list[str]]:
    """`{split: [contig, ...]}` of the genome's contigs (canonical ones unless `all_contigs`)."""
    out: dict[str, list[str]] = {name: [] for name in SPLITS}
    for chrom in contigs:
        if all_contigs or is_canonical(chrom):
            out[split_of(chrom, split)].append(chrom)
    return out
