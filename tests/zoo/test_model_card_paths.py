"""A model card never shows the training machine's absolute paths."""

from __future__ import annotations

import shlex

import pytest

from deepmotif.zoo.model_card import card_from_run, portable_command, portable_path

HOME, CWD = "/home/alice", "/home/alice/deepmotif-zoo"


@pytest.mark.parametrize("path, expected", [
    (f"{CWD}/runs/compare_full", "runs/compare_full"),
    (f"{CWD}", "."),
    (f"{HOME}/data/encode", "~/data/encode"),
    (HOME, "~"),
    ("/work/shared/data/encode", "../../../work/shared/data/encode"),
    ("runs/relative", "runs/relative"),
])
def test_portable_path(path, expected):
    assert portable_path(path, cwd=CWD, home=HOME) == expected


def test_command_of_a_published_run_keeps_its_meaning_without_its_paths():
    command = (f"/usr/local/bin/deepmotif compare --experiments GATA1_K562_GATA-1_USC --manual-dir {HOME}/shared/encode "
               f"--data-dir={CWD}/runs/tfds --out '{CWD}/runs/compare full' --epochs 20")
    portable = portable_command(command, cwd=CWD, home=HOME)
    assert "/home/alice" not in portable and "/usr/local" not in portable
    assert shlex.split(portable) == ["deepmotif", "compare", "--experiments", "GATA1_K562_GATA-1_USC",
                                     "--manual-dir", "~/shared/encode", "--data-dir=runs/tfds",
                                     "--out", "runs/compare full", "--epochs", "20"]
    assert "--manual-dir ~/shared/encode" in portable  # unquoted, so a shell expands it


def test_card_from_run_writes_portable_command_and_run_dir(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    config = {"dataset": None, "arch": "cnn", "command": ["deepmotif", "train", "--out", str(tmp_path / "runs" / "a"),
                                                           "--data-dir", "/opt/tfds data"]}
    training = card_from_run(config, {}, source=str(tmp_path / "runs" / "a"))["training"]
    assert training["run_dir"] == "runs/a"
    assert shlex.split(training["command"])[3] == "runs/a"
    assert not any(word.startswith("/") for word in shlex.split(training["command"]))
