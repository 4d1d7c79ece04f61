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
