"""`encode_tfbs`: DeepBind's 505 ENCODE ChIP-seq experiments, one TFDS config each.

Splits: `train`, `validation` (a deterministic 10% of the training file, a peak and its shuffle kept
together), `test` (the `_B`/`test.fa` set, untouched). DeepBind `_AC` files hold peaks only: one
dinucleotide-shuffled negative is made per peak, seeded, so two builds give identical records.
"""

from __future__ import annotations

import csv
import dataclasses
import logging
import os
from pathlib import Path

import tensorflow_datasets as tfds

from deepmotif.datasets.builder_folder import InOwnFolder
from deepmotif.datasets.encode_tfbs.files import ExperimentFiles, describe_test_file, has_any_file, locate
from deepmotif.core.errors import DeepMotifError, MissingFilesError
from deepmotif.datasets.features import example_from_record, tfbs_features
from deepmotif.datasets.readers import Record, read_records
from deepmotif.core.sequences import DEFAULT_SEQ_LEN
from deepmotif.datasets.shuffle import link_shuffles, shuffled_negatives
from deepmotif.datasets.splits import VALIDATION_FRACTION, is_validation

HERE = Path(__file__).parent
CANONICAL_URL = "https://media.githubusercontent.com/media/QData/DeepMotif/master/data/deepbind.tar.gz"
URL_ENV = "DEEPMOTIF_ENCODE_URL"
SEED = 0


class DownloadError(DeepMotifError):
    """The canonical archive could not be downloaded, verified or extracted."""


def read_experiments(path=HERE / "experiments.tsv") -> list[dict]:
    """Rows of `experiments.tsv`: config, experiment, tf, cell_line, antibody, lab, auROCs."""
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def training_records(path, seed: int = SEED) -> list[Record]:
    """Records of a training file; peaks-only files (DeepBind `_AC`) get one shuffle per peak."""
    records = link_shuffles(read_records(path))
    if not any(r.label == 0 for r in records):
        records = records + shuffled_negatives(records, seed)
    return records


def experiment_records(files: ExperimentFiles, seed: int = SEED) -> dict[str, list[Record]]:
    """`{split: records}` for one experiment's files; only `test` when there is no training file."""
    if files.train is None:
        return {"test": link_shuffles(read_records(files.test))}
    train = training_records(files.train, seed)
    test = link_shuffles(read_records(files.test, expected_length=len(train[0].sequence)))
    held_out = is_validation([r.id for r in train], VALIDATION_FRACTION, seed)
    return {
        "train": [r for r, v in zip(train, held_out) if not v],
        "validation": [r for r, v in zip(train, held_out) if v],
        "test": test,
    }


@dataclasses.dataclass(eq=False)
class ExperimentConfig(tfds.core.BuilderConfig):
    """One ENCODE experiment; `name` is the experiment name with `(`/`)` replaced by `-`."""

    experiment: str = ""
    tf: str = ""
    cell_line: str = ""
    antibody: str = ""
    lab: str = ""
    deepbind_star_auroc: float = float("nan")
    deepbind_auroc: float = float("nan")


def _config(row: dict) -> ExperimentConfig:
    return ExperimentConfig(
        name=row["config"],
        description=f"{row['tf']} ChIP-seq in {row['cell_line']} (antibody {row['antibody']}, {row['lab']}); "
        f"DeepBind* test auROC {row['deepbind_star_auroc']}, DeepBind {row['deepbind_auroc']}.",
        experiment=row["experiment"],
        tf=row["tf"],
        cell_line=row["cell_line"],
        antibody=row["antibody"],
        lab=row["lab"],
        deepbind_star_auroc=float(row["deepbind_star_auroc"]),
        deepbind_auroc=float(row["deepbind_auroc"]),
    )


class Builder(InOwnFolder, tfds.core.GeneratorBasedBuilder):
    """ENCODE TFBS experiments from DeepBind (Alipanahi et al. 2015) as used by DeMo (Lanchantin et al. 2017)."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "505 experiments; DeepBind, DeMo and Zeng file formats; 10% validation split."}
    BUILDER_CONFIGS = [_config(row) for row in read_experiments()]
    MANUAL_DOWNLOAD_INSTRUCTIONS = f"""\
    Put the experiment's files anywhere under `manual_dir` (searched recursively), in either scheme:
      DeMo:     <experiment>/train.fa and <experiment>/test.fa   (directory name with `(`/`)` as `-`)
      DeepBind: <experiment>_AC.seq.gz and <experiment>_B.seq.gz (file name keeps the parentheses)
    (Zeng 2016 `train.data`/`test.data` are read too when placed in an `<experiment>/` directory.)
    Sources: the DeMo authors' archive {CANONICAL_URL}
    (github.com/QData/DeepMotif, data/deepbind.tar.gz, Git LFS; extract it into manual_dir), or the `data/encode/`
    folder of DeepBind's supplementary code (Alipanahi et al. 2015). With an empty or absent manual_dir the builder
    downloads the DeMo archive itself (override the URL with ${URL_ENV}).
    """

    def _info(self) -> tfds.core.DatasetInfo:
        cfg = self.builder_config
        return self.dataset_info_from_configs(
            features=tfbs_features(),
            supervised_keys=("sequence", "label"),
            homepage="https://github.com/QData/DeepMotif",
            metadata=tfds.core.MetadataDict(
                experiment=cfg.experiment,
                tf=cfg.tf,
                cell_line=cfg.cell_line,
                antibody=cfg.antibody,
                lab=cfg.lab,
                deepbind_star_auroc=cfg.deepbind_star_auroc,
                deepbind_auroc=cfg.deepbind_auroc,
                seq_len=DEFAULT_SEQ_LEN,
            ),
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        files = self._locate(dl_manager)
        records = experiment_records(files)
        self.info.metadata["seq_len"] = len(records["test"][0].sequence)
        # Which files the splits came from: model cards name the test set from this (DeepBind `_B` or DeMo `test.fa`).
        self.info.metadata["test_file"] = files.test.name
        self.info.metadata["test_set"] = describe_test_file(files.test)
        if files.train is not None:
            self.info.metadata["train_file"] = files.train.name
        return {split: self._generate_examples(rs) for split, rs in records.items()}

    def _generate_examples(self, records: list[Record]):
        for i, record in enumerate(records):
            yield f"{i:07d}", example_from_record(record)

    def _locate(self, dl_manager) -> ExperimentFiles:
        cfg = self.builder_config
        try:
            roots = [Path(dl_manager.manual_dir)]
        except AssertionError:  # manual_dir empty or absent: download the canonical archive instead
            roots = []
        roots = [r for r in roots if has_any_file(r)]
        files = locate(roots, cfg.experiment, cfg.name)
        searched = files.searched or [f"{getattr(dl_manager, '_manual_dir', 'manual_dir')} (empty or absent)"]
        if files.test is None and not roots:
            url = os.environ.get(URL_ENV) or CANONICAL_URL
            files = locate([_download(dl_manager, url)], cfg.experiment, cfg.name)
            searched = searched + [f"{url} ->"] + files.searched
        if files.test is None:
            raise MissingFilesError(f"encode_tfbs/{cfg.name}: no test file ({cfg.experiment})", searched)
        if files.train is None:
            logging.warning("encode_tfbs/%s: no training file found, building the test split only", cfg.name)
        return files


def _download(dl_manager, url: str) -> Path:
    """Download and extract the archive at `url` (sha256 checked by TFDS when `checksums.tsv` lists it)."""
    try:
        return Path(dl_manager.download_and_extract(url))
    except Exception as e:  # network, checksum and archive errors all end here, with the URL named
        raise DownloadError(
            f"could not download and extract {url}: {type(e).__name__}: {e}\n"
            f"Download it yourself and pass manual_dir (see `encode_tfbs` MANUAL_DOWNLOAD_INSTRUCTIONS)."
        ) from e
