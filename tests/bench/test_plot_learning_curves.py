"""bench/plot_learning_curves.py --runs: the validation curves of a `deepmotif compare` folder's runs."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import plot_learning_curves  # noqa: E402


def _history(run: Path, values: list[float]) -> None:
    run.mkdir(parents=True)
    lines = ["epoch,auroc,val_auroc"] + [f"{i},0.5,{v}" for i, v in enumerate(values)]
    (run / "history.csv").write_text("\n".join(lines) + "\n")


def test_compare_folders_are_read_per_experiment_and_drawn(tmp_path):
    folder = tmp_path / "claims_rnn"
    _history(folder / "A_K562_x" / "rnn", [0.5, 0.7, 0.9])  # single-seed layout
    _history(folder / "B_GM12878_y" / "rnn-seed0", [0.5, 0.6])  # seeded layout: seed 0 is drawn
    _history(folder / "B_GM12878_y" / "rnn-seed1", [0.1])
    _history(folder / "C_z" / "cnn", [0.8])  # another architecture: not drawn

    rows = plot_learning_curves.rows_from_compare(folder, "rnn")

    assert [(r["experiment"], r["validation_curve"]) for r in rows] == [
        ("A_K562_x", [0.5, 0.7, 0.9]), ("B_GM12878_y", [0.5, 0.6])]
    assert {r["candidate"] for r in rows} == {"claims_rnn"}
    out = tmp_path / "curves.png"
    assert plot_learning_curves.main(["--arch", "rnn", "--runs", str(folder), "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
