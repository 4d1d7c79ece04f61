"""A run records absolute data paths (evaluate works from any directory); small splits are flagged."""

from __future__ import annotations

import json

import pytest

from deepmotif.zoo.evaluation import SmallSampleWarning, evaluate
from deepmotif.zoo.training import train


@pytest.fixture(scope="module")
def relative_run(tmp_path_factory):
    """A tiny run trained with `data_dir="tfds"`, relative to the directory it was started in."""
    start = tmp_path_factory.mktemp("started_here")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(start)
        train("synthetic_tfbs/tiny", "cnn", "run", epochs=1, batch_size=64, verbose=0, data_dir="tfds",
              filters=[8, 8, 8])
    return start


def test_config_stores_absolute_data_dir_and_evaluate_works_from_elsewhere(relative_run, tmp_path, monkeypatch):
    config = json.loads((relative_run / "run" / "config.json").read_text())
    assert config["data_dir"] == str((relative_run / "tfds").resolve())
    monkeypatch.chdir(tmp_path)  # no ./tfds here: only the recorded absolute path finds the data
    result = evaluate(relative_run / "run")
    assert result["n"] == 200 and 0.0 <= result["auroc"] <= 1.0
    assert not (tmp_path / "tfds").exists()


def test_small_split_is_flagged_as_too_small_to_rank_models(relative_run):
    with pytest.warns(SmallSampleWarning, match="holds only 40 sequences"):
        result = evaluate(relative_run / "run", split="validation")
    assert result["n"] == 40


def test_command_line_shows_the_warning_as_one_plain_line(relative_run, tmp_path):
    import os
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "deepmotif.cli.main", "evaluate", str(relative_run / "run"),
                           "--split", "validation"], capture_output=True, text=True, cwd=tmp_path, timeout=300,
                          env={k: v for k, v in os.environ.items() if not k.startswith("TF_CPP")})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stderr.startswith("deepmotif: warning: synthetic_tfbs/tiny [validation] holds only 40 sequences")
    assert len(done.stderr.strip().splitlines()) == 1 and "n=40" in done.stdout
