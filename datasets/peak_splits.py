"""Peaks and a genome -> labelled train / validation / test records, split by chromosome.

Positives are `seq_len` windows centred on each peak's summit (`peak_windows`), ids
`chrom:start-end`. Negatives, per split: one dinucleotide shuffle of each positive (`shuffle`,
ids `<id>_shuf`), GC-matched genome windows from the same split's chromosomes (`genomic`), or a
FASTA of unbound sequences whose headers carry coordinates (`chr1:100-201`, as `bedtools getfasta`
writes them), split by those coordinates. Returns the records and a JSON-ready report of what was
read, left out and where each split comes from (stored in the dataset's metadata).
"""

from __future__ import annotations

import re

from deepmotif.core.errors import DatasetError
from deepmotif.core.sequences import DEFAULT_SEQ_LEN
from deepmotif.datasets.chrom_splits import SPLITS, ChromSplit, chrom_split, contigs_by_split, split_of
from deepmotif.datasets.genome import Genome, open_genome
from deepmotif.datasets.genomic_background import matched_background
from deepmotif.datasets.interval_index import IntervalIndex
from deepmotif.datasets.peak_windows import Window, peak_windows
from deepmotif.datasets.peaks import read_intervals, read_peaks
from deepmotif.datasets.readers import Record
from deepmotif.datasets.sequence_lengths import read_fitted_fasta
from deepmotif.datasets.shuffle import shuffled_negatives

BACKGROUNDS = ("shuffle", "genomic")
# `chr1:100-201`, optionally after `name::` (bedtools getfasta -name) and before `(+)`.
_COORDINATES = re.compile(r"(?:^|::)([^\s:]+):(\d+)-(\d+)")


def coordinates_from_header(header: str) -> tuple[str, int, int] | None:
    """`(chrom, start, end)` from a FASTA header such as `chr1:100-201(+)`, else None."""
    match = _COORDINATES.search(header.split()[0] if header.strip() else "")
    return (match.group(1), int(match.group(2)), int(match.group(3))) if match else None


def _check_split_chroms(genome: Genome, split: ChromSplit) -> None:
    missing = [c for c in split.test + split.validation if genome.resolve(c) is None]
    if missing:
        how = f"preset {split.preset!r}" if split.preset else "--test-chroms/--valid-chroms"
        shown = ", ".join(list(genome.contigs)[:12])
        raise DatasetError(
            f"held-out chromosome(s) {', '.join(missing)} ({how}) are not in {genome.path} "
            f"(assembly {genome.assembly}; contigs {shown}); choose ones it has with --test-chroms/--valid-chroms"
        )


def _exclusions(peaks, windows: list[Window], flank: int, blacklist) -> IntervalIndex:
    """Every peak and positive window widened by `flank`, plus the blacklist."""
    spans = [(p.chrom, p.start - flank, p.end + flank) for p in peaks]
    spans += [(w.chrom, w.start - flank, w.end + flank) for w in windows]
    spans += [(b.chrom, b.start, b.end) for b in blacklist]
    return IntervalIndex(spans)


def _fasta_negatives(path, genome: Genome, split: ChromSplit, seq_len: int) -> tuple[dict, dict]:
    """Negatives FASTA records per split (by the coordinates in their headers) and how many were resized."""
    records, resized, _ = read_fitted_fasta(path, 0, seq_len)
    by_split: dict[str, list[Record]] = {name: [] for name in SPLITS}
    for record in records:
        where = coordinates_from_header(record.id)
        if where is None:
            raise DatasetError(
                f"{path}: record {record.id!r} has no coordinates; with --peaks, --negatives headers must be "
                f"chrom:start-end (as `bedtools getfasta` writes) so that they are split by chromosome"
            )
        by_split[split_of(genome.resolve(where[0]) or where[0], split)].append(record)
    return by_split, {"path": str(path), **resized}


def _positives(windows: list[Window], split: ChromSplit) -> dict[str, list[Window]]:
    by_split: dict[str, list[Window]] = {name: [] for name in SPLITS}
    for window in windows:
        by_split[split_of(window.chrom, split)].append(window)
    return by_split


def _records(windows: list[Window], label: int) -> list[Record]:
    return [Record(w.id, w.sequence, label, False) for w in windows]


def _check_nonempty(positives: dict, split: ChromSplit, peaks_path) -> None:
    empty = [name for name in SPLITS if not positives[name]]
    if empty:
        chroms = {"test": split.test, "validation": split.validation, "train": ("the other chromosomes",)}
        detail = "; ".join(f"{name} ({', '.join(chroms[name])})" for name in empty)
        raise DatasetError(
            f"no peaks of {peaks_path} fall in the {' and '.join(empty)} split: {detail}. "
            f"Choose chromosomes the peaks cover (--test-chroms/--valid-chroms or another --split-preset)"
        )


def peak_split_records(
    peaks,
    genome,
    assembly: str | None = None,
    background: str = "shuffle",
    negatives=None,
    split_preset: str | None = None,
    test_chroms=None,
    valid_chroms=None,
    seq_len: int = DEFAULT_SEQ_LEN,
    blacklist=None,
    all_contigs: bool = False,
    seed: int = 0,
) -> tuple[dict[str, list[Record]], dict]:
    """`{"train", "validation", "test"}` -> records, and the build report.

    Parameters
    ----------
    peaks : str or pathlib.Path
        narrowPeak or BED3+ (gzip or not).
    genome : str or pathlib.Path
        Genome FASTA (plain or bgzip).
    assembly : str, optional
        Assembly name (default: from the genome's file name).
    background : {"shuffle", "genomic"}
        Negatives when `negatives` is not given.
    negatives : str or pathlib.Path, optional
        FASTA of unbound sequences with `chrom:start-end` headers.
    split_preset, test_chroms, valid_chroms
        See `chrom_splits.chrom_split`.
    seq_len : int, default 101
        Window width.
    blacklist : str or pathlib.Path, optional
        BED of regions no positive or background window may overlap.
    all_contigs : bool, default False
        Keep peaks on non-canonical contigs (they go to train).
    seed : int, default 0
        Seeds the shuffles and the background draw.

    Returns
    -------
    (dict of str to list of Record, dict)
        Records per split (positives first, then negatives) and the report: `assembly`, `peaks`
        (`PeakReport.as_dict`), `split` (`ChromSplit.as_dict`), `chroms` and `counts` per split,
        `background`, and `negatives` (the FASTA and how many it cropped or padded) when given.
    """
    if background not in BACKGROUNDS:
        raise DatasetError(f"background must be one of {', '.join(BACKGROUNDS)}, got {background!r}")
    if seq_len < 1:
        raise DatasetError(f"seq_len must be positive, got {seq_len}")
    split = chrom_split(split_preset, test_chroms, valid_chroms)
    with open_genome(genome, assembly) as g:
        _check_split_chroms(g, split)
        peak_list = read_peaks(peaks)
        blacklisted = read_intervals(blacklist) if blacklist else []
        windows, peak_report = peak_windows(
            peak_list, g, seq_len, str(peaks), IntervalIndex((b.chrom, b.start, b.end) for b in blacklisted), all_contigs
        )
        positives = _positives(windows, split)
        _check_nonempty(positives, split, peaks)
        report = {"assembly": g.assembly, "peaks": peak_report.as_dict(), "split": split.as_dict(),
                  "background": "fasta" if negatives else background}
        if negatives:
            negative_records, report["negatives"] = _fasta_negatives(negatives, g, split, seq_len)
        elif background == "genomic":
            exclude = _exclusions(peak_list, windows, seq_len, blacklisted)
            contigs = contigs_by_split(g.contigs, split, all_contigs)
            negative_records = {
                name: _records(matched_background(g, positives[name], contigs[name], exclude, seq_len,
                                                  seed=seed, label=name), 0)
                for name in SPLITS
            }
        else:
            negative_records = {name: shuffled_negatives(_records(positives[name], 1), seed) for name in SPLITS}
        order = list(g.contigs)
    splits = {name: _records(positives[name], 1) + negative_records[name] for name in SPLITS}
    report["chroms"] = {name: sorted({w.chrom for w in positives[name]}, key=order.index) for name in SPLITS}
    report["counts"] = {name: {"positives": len(positives[name]), "negatives": len(negative_records[name])}
                        for name in SPLITS}
    return splits, report
