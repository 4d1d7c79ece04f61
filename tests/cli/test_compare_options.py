"""Every training option `deepmotif compare` accepts reaches the training it runs (a flag that parses
but is dropped would train something else than the command line says)."""

from __future__ import annotations

import pytest

from deepmotif.cli.main import main


@pytest.fixture
def recorded(monkeypatch):
    """The keyword arguments `deepmotif compare` hands `zoo.comparison.compare`, nothing trained."""
    from deepmotif.zoo import comparison

    calls = []

    def fake_compare(experiments, **kwargs):
        calls.append({"experiments": experiments, **kwargs})
        return {"markdown": "", "runs": [], "cells": 0, "markdown_path": "results.md", "csv_path": "results.csv"}

    monkeypatch.setattr(comparison, "compare", fake_compare)
    return calls


def test_compare_passes_every_training_option(recorded, tmp_path):
    assert main(["compare", "--experiments", "synthetic_tfbs/tiny", "--archs", "rnn", "--out", str(tmp_path),
                 "--epochs", "7", "--batch-size", "32", "--learning-rate", "0.007", "--recipe", "demo",
                 "--precision", "float32", "--seed", "3", "--max-train-examples", "90",
                 "--max-validation-examples", "20", "--overwrite", "--verbose", "0"]) == 0
    (call,) = recorded
    assert call["experiments"] == ["synthetic_tfbs/tiny"] and call["archs"] == ["rnn"]
    assert {k: call[k] for k in ("epochs", "batch_size", "learning_rate", "recipe", "precision", "seeds",
                                 "max_train_examples", "max_validation_examples", "overwrite")} == {
        "epochs": 7, "batch_size": 32, "learning_rate": 0.007, "recipe": "demo", "precision": "float32",
        "seeds": [3], "max_train_examples": 90, "max_validation_examples": 20, "overwrite": True}


def test_learning_rate_reaches_the_run_config(tmp_path):
    """End to end on the tiny synthetic set: the run's recorded recipe has the rate the command gave."""
    import json

    out = tmp_path / "runs"
    assert main(["compare", "--experiments", "synthetic_tfbs/tiny", "--archs", "cnn", "--out", str(out),
                 "--epochs", "1", "--learning-rate", "0.0042", "--max-train-examples", "64",
                 "--data-dir", str(tmp_path / "tfds"), "--verbose", "0"]) == 0
    (config,) = [json.loads(p.read_text()) for p in out.glob("*/cnn/config.json")]
    assert config["recipe"]["learning_rate"] == 0.0042
