"""bench/recipe_selection.py's choice logic: the candidate with the best mean validation auROC wins each
stage, the RNN's third stage (a lower rate) can replace the second stage's winner, the patience is read
off the chosen runs' curves, and a call for one architecture keeps the others' rows. Training is
replaced by runs whose validation curves the test writes."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import recipe_selection  # noqa: E402

# Final validation auROC of each RNN candidate (identical on every experiment) and how many epochs its
# curve waits for a new best: the third stage's 200-epoch lower rate wins; the 60-epoch run at the same
# rate waited longest among that rate's runs; the 3e-2 run waited longer still.
FINAL = {"lr1e-2": 0.70, "lr3e-2": 0.75, "lr1e-2-warmup3": 0.65, "lr3e-2-e60": 0.80, "lr3e-3-e200": 0.86,
         "lr3e-3-e60": 0.84}
WAIT = {"lr3e-3-e200": 4, "lr3e-3-e60": 7, "lr3e-2-e60": 12}


def _curve(candidate: str) -> list[float]:
    # a plateau, a rise, a dip lasting WAIT epochs, then the best value last
    top = FINAL[candidate]
    return [0.5, 0.5, top - 0.05] + [top - 0.1] * WAIT.get(candidate, 4) + [top]


def _fake_run(experiment, arch, name, settings, args):
    run = Path(args.out) / f"{experiment}.{arch}.{name}.s0"
    run.mkdir(parents=True, exist_ok=True)
    curve = _curve(name)
    with open(run / "history.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["epoch", "val_auroc"])
        writer.writerows(enumerate(curve))
    (run / "metrics.json").write_text(json.dumps({"validation": {"auroc": max(curve)}}))
    return run


def test_longest_wait_counts_epochs_without_a_new_best_before_an_improvement():
    assert recipe_selection.longest_wait([0.5, 0.6, 0.55, 0.55, 0.7, 0.6]) == 2
    assert recipe_selection.longest_wait([0.5, 0.6, 0.7]) == 0


def test_the_lower_rate_wins_the_third_stage_and_other_architectures_are_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(recipe_selection, "experiments", lambda: ["A_x", "B_x", "C_x"])
    monkeypatch.setattr(recipe_selection, "run_one", _fake_run)
    results = tmp_path / "selection.json"
    kept = {"experiment": "A_x", "arch": "cnn", "candidate": "lr1e-2", "validation_auroc": 0.9}
    results.write_text(json.dumps({"rows": [kept], "summary": {"cnn": {"chosen": "lr1e-2"}}}))

    assert recipe_selection.main(["--archs", "rnn", "--out", str(tmp_path / "runs"),
                                  "--results", str(results)]) == 0

    written = json.loads(results.read_text())
    assert kept in written["rows"] and written["summary"]["cnn"] == {"chosen": "lr1e-2"}
    rnn = written["summary"]["rnn"]
    assert rnn["experiments"] == ["A_x", "C_x"]  # every other experiment
    assert rnn["mean_validation_auroc"]["lr3e-2"] == pytest.approx(0.75)
    assert rnn["mean_validation_auroc_by_epochs"] == {"20": pytest.approx(0.75), "60": pytest.approx(0.80)}
    assert rnn["mean_validation_auroc_by_finalist"] == {"lr3e-2-e60": pytest.approx(0.80),
                                                         "lr3e-3-e200": pytest.approx(0.86),
                                                         "lr3e-3-e60": pytest.approx(0.84)}
    assert rnn["chosen"] == "lr3e-3-e200"
    assert rnn["settings"] == {"learning_rate": 3e-3, "epochs": 200} and rnn["epochs"] == 200
    # the longest wait of any run at the chosen rate (the 60-epoch one's 7), plus two; not the 3e-2 run's 12
    assert rnn["patience"] == 7 + 2
