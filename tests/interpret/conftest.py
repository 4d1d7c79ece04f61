"""Tiny models trained in the session on planted CTCF sites (real JASPAR matrix MA0139), the
ground truth every interpretation test checks against."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # tests/interpret/planted_motifs.py (importlib mode)

from planted_motifs import MOTIF, planted  # noqa: E402


def _train(arch: str, data: dict, epochs: int, **overrides):
    import keras

    from deepmotif.zoo.architectures import build

    keras.utils.set_random_seed(0)
    model = build(arch, data["x"].shape[1], **overrides)
    model.compile(keras.optimizers.Adam(1e-2 if arch != "cnn" else 3e-3), "binary_crossentropy")
    model.fit(data["x"], data["y"], batch_size=64, epochs=epochs, verbose=0)
    return model


@pytest.fixture(scope="session")
def ctcf_test() -> dict:
    """200 held-out sequences of length 101, half with one planted CTCF site."""
    return planted(200, 101, MOTIF, seed=1)


@pytest.fixture(scope="session")
def trained_cnn():
    """A small `cnn` (32 filters per layer) trained 3 epochs on 2,000 planted sequences (~6 s)."""
    return _train("cnn", planted(2000, 101, MOTIF, seed=0), epochs=3, filters=[32, 32, 32], dropout=0.1)


@pytest.fixture(scope="session")
def trained_cnn_rnn():
    """A small `cnn_rnn` (16 filters, 8 LSTM units) on 1,500 planted sequences of length 60 (~12 s)."""
    return _train("cnn_rnn", planted(1500, 60, MOTIF, seed=0), epochs=4, filters=[16], lstm_units=8, dropout=0.1)


@pytest.fixture(scope="session")
def cnn_file(trained_cnn, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("models") / "cnn.keras"
    trained_cnn.save(path)
    return path


@pytest.fixture(scope="session")
def jaspar_targets():
    """All JASPAR vertebrate CORE motifs; the first TOMTOM call (numba compile, ~1 min when not
    cached on disk) happens here once per session."""
    from deepmotif.datasets.jaspar import all_vertebrate_core
    from deepmotif.interpret.motifs import match_jaspar

    targets = all_vertebrate_core()
    match_jaspar([targets[0].probabilities], top=1, targets=targets)
    return targets

