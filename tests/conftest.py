"""Fixtures shared by every test package."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path | None:
    """Real ENCODE data beside the repo (`../shared/data`) or at $DEEPMOTIF_SHARED_DATA."""
    env = os.environ.get("DEEPMOTIF_SHARED_DATA")
    path = Path(env) if env else REPO_ROOT.parent / "shared" / "data"
    return path if (path / "MANIFEST.tsv").is_file() else None


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_data_dir()
    if path is None:
        pytest.skip("real ENCODE data not present (../shared/data or $DEEPMOTIF_SHARED_DATA)")
    return path


@pytest.fixture(scope="session")
def synthetic_genome(tmp_path_factory):
    """`deepmotif.datasets.synthetic_genome`'s genome (chr1-4, chrX) with planted GATA1/CTCF sites, its
    narrowPeak and VCF, written once per session; see that module for the ground truth returned."""
    from deepmotif.datasets.synthetic_genome import write_synthetic_genome

    return write_synthetic_genome(tmp_path_factory.mktemp("synthetic_genome"), seed=1)


@pytest.fixture(scope="session")
def tfds_data_dir(tmp_path_factory) -> Path:
    """One TFDS data_dir per test session, so builders are prepared once and never touch ~/tensorflow_datasets."""
    return tmp_path_factory.mktemp("tfds")
