"""Fixtures of the zoo tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def genome_model(synthetic_genome, tmp_path_factory):
    """`(model, path of its .keras file)`: a tiny CNN trained on the synthetic genome's chr1-chr3
    (`genome_model.py`), saved once per session."""
    sys.path.insert(0, str(Path(__file__).parent))
    from genome_model import train_genome_model

    model = train_genome_model(synthetic_genome.genome, synthetic_genome.sites)
    path = tmp_path_factory.mktemp("genome_model") / "model.keras"
    model.save(path)
    return model, path


@pytest.fixture(scope="session")
def batch_norm_training():
    """The helpers of `batch_norm_training.py` (`gata1_windows`, `trained`, `SMALL`) as a module."""
    sys.path.insert(0, str(Path(__file__).parent))
    import batch_norm_training

    return batch_norm_training


@pytest.fixture(scope="session")
def gata1(batch_norm_training, tfds_data_dir):
    """The first 300 training windows of the synthetic GATA1 set: tokens (300, 101) uint8, labels (300,)."""
    return batch_norm_training.gata1_windows(tfds_data_dir)
