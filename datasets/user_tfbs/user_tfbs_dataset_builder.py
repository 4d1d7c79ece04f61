"""`user_tfbs/<name>`: the user's own binding sites (FASTA) with the same splits and features.

Positives come from a FASTA file; negatives from a second FASTA file or, when none is given, one
dinucleotide shuffle per positive (seeded). Test examples come from `test_positives` (and
`test_negatives`, else their shuffles) when given; otherwise a deterministic `test_fraction` of the
records is held out. `validation` is a deterministic `validation_fraction` of what remains. Both
hold-outs hash the record id, so a peak and its shuffle always stay together.
The source files and settings are stored in the prepared dataset's `metadata.json`, so a built
dataset loads later with `tfds.builder_from_directory`, without the files.
"""

from __future__ import annotations

import dataclasses
import os

import tensorflow_datasets as tfds

from deepmotif.datasets.builder_folder import InOwnFolder
from deepmotif.core.errors import DatasetError
from deepmotif.datasets.features import example_from_record, tfbs_features
from deepmotif.datasets.readers import Record, read_fasta
from deepmotif.datasets.shuffle import shuffled_negatives
from deepmotif.datasets.splits import VALIDATION_FRACTION, is_validation

TEST_FRACTION = 0.1
SOURCE_KEYS = ("positives", "negatives", "test_positives", "test_negatives")


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

    def sources(self) -> dict:
        """Absolute paths of the given files (None where not given)."""
        return {k: (os.path.abspath(getattr(self, k)) if getattr(self, k) else None) for k in SOURCE_KEYS}


def _labelled(positives, negatives, seed: int, length: int | None = None) -> list[Record]:
    """Positive records then negatives (read, or shuffles of the positives); one length for all."""
    pos = read_fasta(positives, 1, length)
    length = len(pos[0].sequence)
    neg = read_fasta(negatives, 0, length) if negatives else shuffled_negatives(pos, seed)
    return pos + neg


def split_records(config: UserConfig) -> dict[str, list[Record]]:
    """`{"train", "validation", "test"}` -> records, as documented in the module docstring."""
    pool = _labelled(config.positives, config.negatives, config.seed)
    length = len(pool[0].sequence)
    if config.test_positives:
        test = _labelled(config.test_positives, config.test_negatives, config.seed, length)
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
    return splits


class Builder(InOwnFolder, tfds.core.GeneratorBasedBuilder):
    """User FASTA files as a TFBS dataset; construct with `config=UserConfig(name=..., positives=...)`."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Positives FASTA, optional negatives (else dinucleotide shuffles), hashed splits."}

    def _info(self) -> tfds.core.DatasetInfo:
        config = self.builder_config
        settings = {"test_fraction": config.test_fraction, "validation_fraction": config.validation_fraction}
        return self.dataset_info_from_configs(
            features=tfbs_features(),
            supervised_keys=("sequence", "label"),
            metadata=tfds.core.MetadataDict(**config.sources(), **settings, seed=config.seed),
        )

    def _split_generators(self, dl_manager):
        del dl_manager  # the files are local
        splits = split_records(self.builder_config)
        return {name: self._generate_examples(records) for name, records in splits.items()}

    def _generate_examples(self, records: list[Record]):
        for i, record in enumerate(records):
            yield i, example_from_record(record)
