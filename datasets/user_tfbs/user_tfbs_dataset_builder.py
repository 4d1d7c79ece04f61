"""`user_tfbs/<name>`: the user's own binding sites with the same splits and features.

Two sources:
- Peaks and a genome (`peaks`, `genome`): windows of `seq_len` (101) bp centred on each summit,
  split by chromosome (a preset or explicit lists, `datasets/chrom_splits.py`); negatives are
  dinucleotide shuffles (`background="shuffle"`), GC-matched genome windows from the same split's
  chromosomes (`"genomic"`) or a `negatives` FASTA with `chrom:start-end` headers. Example ids are
  `chrom:start-end`. See `datasets/peak_splits.py`.
- FASTA (`positives`): negatives from a second FASTA file or, when none is given, one dinucleotide
  shuffle per positive (seeded). Sequences of other lengths are centre-cropped or N-padded to
  `seq_len` (default: the positives' own length when they share one, else 101) and counted. Test
  examples come from `test_positives` (and `test_negatives`, else their shuffles) when given;
  otherwise a deterministic `test_fraction` of the records is held out. `validation` is a
  deterministic `validation_fraction` of what remains. Both hold-outs hash the record id, so a
  peak and its shuffle always stay together.

The source files, settings, the genome's assembly and a build report (peaks left out and why,
sequences resized, chromosomes and counts per split) are stored in the prepared dataset's
`metadata.json`, so a built dataset loads later with `tfds.builder_from_directory`, without the files.
"""

from __future__ import annotations

import dataclasses
import os

import tensorflow_datasets as tfds

from deepmotif.core.errors import DatasetError
from deepmotif.core.sequences import DEFAULT_SEQ_LEN
from deepmotif.datasets.builder_folder import InOwnFolder
from deepmotif.datasets.local_builds import BuiltLocally
from deepmotif.datasets.chrom_splits import chrom_split, parse_chroms
from deepmotif.datasets.features import example_from_record, tfbs_features
from deepmotif.datasets.genome import assembly_from_path
from deepmotif.datasets.peak_splits import BACKGROUNDS, peak_split_records
from deepmotif.datasets.readers import Record
from deepmotif.datasets.sequence_lengths import read_fitted_fasta
from deepmotif.datasets.shuffle import shuffled_negatives
from deepmotif.datasets.splits import VALIDATION_FRACTION, is_validation

TEST_FRACTION = 0.1
SOURCE_KEYS = ("positives", "negatives", "test_positives", "test_negatives", "peaks", "genome", "blacklist")
FASTA_ONLY = ("test_positives", "test_negatives")
PEAKS_ONLY = ("genome", "blacklist", "split_preset", "test_chroms", "valid_chroms")


@dataclasses.dataclass(eq=False)
class UserConfig(tfds.core.BuilderConfig):
    """One user dataset: `name` is the TFDS config name, the rest say where its records come from."""

    positives: str = ""
    negatives: str | None = None
    test_positives: str | None = None
    test_negatives: str | None = None
    test_fraction: float = TEST_FRACTION
    validation_fraction: float = VALIDATION_FRACTION
    seed: int = 0
    peaks: str | None = None
    genome: str | None = None
    assembly: str | None = None
    background: str = "shuffle"
    split_preset: str | None = None
    test_chroms: str | tuple | None = None
    valid_chroms: str | tuple | None = None
    seq_len: int | None = None
    blacklist: str | None = None
    all_contigs: bool = False

    def __post_init__(self):
        check_config(self)  # at construction, so a bad combination fails before TFDS starts a build

    def sources(self) -> dict:
        """Absolute paths of the given files (None where not given)."""
        return {k: (os.path.abspath(getattr(self, k)) if getattr(self, k) else None) for k in SOURCE_KEYS}

    def settings(self) -> dict:
        """Every other setting as stored in `metadata.json` (lists for chromosomes)."""
        genome_assembly = assembly_from_path(self.genome) if self.genome else None
        return {
            "test_fraction": self.test_fraction,
            "validation_fraction": self.validation_fraction,
            "seed": self.seed,
            "assembly": self.assembly or genome_assembly,
            "background": self.background,
            "split_preset": self.split_preset,
            "test_chroms": list(parse_chroms(self.test_chroms)),
            "valid_chroms": list(parse_chroms(self.valid_chroms)),
            "seq_len_asked": self.seq_len,
            "all_contigs": bool(self.all_contigs),
        }

    def recorded(self) -> dict:
        """`sources()` and `settings()`: what `metadata.json` keeps of this config."""
        return {**self.sources(), **self.settings()}


def changed_settings(config: UserConfig, stored: dict) -> list[str]:
    """Keys of `config.recorded()` that differ from a prepared dataset's metadata `stored`
    (a key the metadata lacks, from an older version, counts as its default)."""
    defaults = UserConfig(name="defaults").recorded()
    wanted = config.recorded()
    return sorted(k for k in wanted if stored.get(k, defaults[k]) != wanted[k])


def check_config(config: UserConfig) -> None:
    """Refuse settings that do not go together, or an unknown background or split, before anything is read."""
    if config.background not in BACKGROUNDS:
        raise DatasetError(f"background must be one of {', '.join(BACKGROUNDS)}, got {config.background!r}")
    if config.peaks and config.positives:
        raise DatasetError("give either --peaks (with --genome) or --positives (FASTA), not both")
    if config.peaks:
        if not config.genome:
            raise DatasetError("--peaks needs --genome GENOME.fa to read the windows from")
        extra = [k for k in FASTA_ONLY if getattr(config, k)]
        extra += ["test_fraction"] if config.test_fraction != TEST_FRACTION else []
        extra += ["validation_fraction"] if config.validation_fraction != VALIDATION_FRACTION else []
        if extra:
            raise DatasetError(f"{', '.join(extra)} apply to FASTA datasets; with --peaks the splits are by chromosome")
        chrom_split(config.split_preset, config.test_chroms, config.valid_chroms)
    else:
        extra = [k for k in PEAKS_ONLY if getattr(config, k)] + (["all_contigs"] if config.all_contigs else [])
        extra += ["background=genomic"] if config.background == "genomic" else []
        if extra:
            raise DatasetError(f"{', '.join(extra)} need coordinates: give --peaks and --genome instead of --positives")


def _labelled(positives, negatives, seed: int, length: int | None, resized: dict) -> tuple[list[Record], int]:
    """Positive records then negatives (read, or shuffles of the positives), all of one length."""
    pos, resized[str(positives)], length = read_fitted_fasta(positives, 1, length)
    if negatives:
        neg, resized[str(negatives)], _ = read_fitted_fasta(negatives, 0, length)
    else:
        neg = shuffled_negatives(pos, seed)
    return pos + neg, length


def fasta_split_records(config: UserConfig) -> tuple[dict[str, list[Record]], dict]:
    """`{"train", "validation", "test"}` -> records from FASTA files, and the build report
    (`seq_len`, `resized`: `{file: {"cropped": n, "padded": n}}`)."""
    resized: dict = {}
    pool, length = _labelled(config.positives, config.negatives, config.seed, config.seq_len, resized)
    if config.test_positives:
        test, _ = _labelled(config.test_positives, config.test_negatives, config.seed, length, resized)
    else:
        held = is_validation([r.id for r in pool], config.test_fraction, config.seed + 1)
        test = [r for r, h in zip(pool, held) if h]
        pool = [r for r, h in zip(pool, held) if not h]
    held = is_validation([r.id for r in pool], config.validation_fraction, config.seed)
    splits = {
        "train": [r for r, h in zip(pool, held) if not h],
        "validation": [r for r, h in zip(pool, held) if h],
        "test": test,
    }
    empty = [name for name, records in splits.items() if not records]
    if empty:
        counts = ", ".join(f"{k} {len(v)}" for k, v in splits.items())
        raise DatasetError(
            f"user dataset {config.name!r} would have an empty {' and '.join(empty)} split ({counts}) "
            f"from {config.positives}: give more sequences or a test file (--test-positives)"
        )
    return splits, {"seq_len": length, "resized": {k: v for k, v in resized.items() if any(v.values())}}


def split_records(config: UserConfig) -> tuple[dict[str, list[Record]], dict]:
    """Records per split and the build report, from peaks and a genome or from FASTA files."""
    if not config.peaks:
        return fasta_split_records(config)
    splits, report = peak_split_records(
        config.peaks, config.genome, assembly=config.assembly, background=config.background,
        negatives=config.negatives, split_preset=config.split_preset, test_chroms=config.test_chroms,
        valid_chroms=config.valid_chroms, seq_len=config.seq_len or DEFAULT_SEQ_LEN, blacklist=config.blacklist,
        all_contigs=config.all_contigs, seed=config.seed,
    )
    report["seq_len"] = config.seq_len or DEFAULT_SEQ_LEN
    return splits, report


class Builder(InOwnFolder, BuiltLocally, tfds.core.GeneratorBasedBuilder):
    """User data as a TFBS dataset; construct with `config=UserConfig(name=..., peaks=..., genome=...)`
    or `UserConfig(name=..., positives=...)`."""

    VERSION = tfds.core.Version("1.1.0")
    RELEASE_NOTES = {
        "1.0.0": "Positives FASTA, optional negatives (else dinucleotide shuffles), hashed splits.",
        "1.1.0": "Peaks + genome (chromosome splits, shuffled or GC-matched genomic background); "
        "FASTA of mixed lengths centre-cropped or N-padded; assembly and build report in metadata.",
    }

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            features=tfbs_features(),
            supervised_keys=("sequence", "label"),
            metadata=tfds.core.MetadataDict(**self.builder_config.recorded()),
        )

    def _split_generators(self, dl_manager):
        del dl_manager  # the files are local
        splits, report = split_records(self.builder_config)
        self.info.metadata.update(seq_len=report["seq_len"], build_report=report)
        return {name: self._generate_examples(records) for name, records in splits.items()}

    def _generate_examples(self, records: list[Record]):
        for i, record in enumerate(records):
            yield i, example_from_record(record)
