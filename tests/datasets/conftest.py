"""Fixtures for the dataset tests: the builder's tiny dummy files, and ENCODE experiments built once."""

from __future__ import annotations

from pathlib import Path

import pytest

import deepmotif.datasets.encode_tfbs.encode_tfbs_dataset_builder as encode_module

GATA1 = "GATA1_K562_GATA-1_USC"
ARID3A = "ARID3A_K562_ARID3A_-sc-8821-_Stanford"


@pytest.fixture(scope="session")
def encode_dummy_dir() -> Path:
    """`dummy_data/encode`: GATA1 in DeMo FASTA (20 pairs + 10 test), ARID3A in DeepBind .seq.gz (30 peaks + 10 test)."""
    return Path(encode_module.__file__).parent / "dummy_data" / "encode"


def _build_encode(config: str, manual_dir, data_dir):
    """Prepare `encode_tfbs/<config>` from `manual_dir` into `data_dir`; return its builder."""
    import tensorflow_datasets as tfds

    builder = encode_module.Builder(config=config, data_dir=str(data_dir))
    download_config = tfds.download.DownloadConfig(manual_dir=str(manual_dir) if manual_dir else None)
    builder.download_and_prepare(download_config=download_config)
    return builder


@pytest.fixture(scope="session")
def build_encode():
    """`build_encode(config, manual_dir, data_dir) -> builder`."""
    return _build_encode


@pytest.fixture(scope="session")
def encode_real(shared_data, tfds_data_dir) -> dict:
    """GATA1 (DeMo files) and ARID3A (DeepBind files) built once from ../shared/data/encode."""
    return {c: _build_encode(c, shared_data / "encode", tfds_data_dir) for c in (GATA1, ARID3A)}
