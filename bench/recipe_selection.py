"""Choose the `default` recipe's per-architecture settings on validation auROC only (never test).

    python bench/recipe_selection.py [--archs cnn,cnn_rnn,rnn] [--epochs 8] [--rnn-epochs 20] [--max-train 8000]

For each architecture, a small grid of candidate settings (below) is trained through `zoo.train` (the
path `deepmotif train` runs; finished runs are reused, killed ones resume) on several ENCODE experiments
of ../shared/data/encode, with `score_test=False`: the test split is never read. Each run's validation
auROC (`metrics.json`) and per-epoch validation curve (`history.csv`) go to
`bench/results/recipe_selection.json`; a Markdown table goes to stdout. The candidate with the highest
mean validation auROC over the experiments wins (ties: the one listed first).

Candidates (everything else is the `default` recipe, strands averaged):
- cnn and cnn_rnn: the peak learning rate, 8 epochs, the first 8,000 training sequences, all ten
  experiments. The cnn 1e-2 and cnn_rnn 3e-3 runs are the `average` runs of
  `bench/reverse_complement_selection.py` (the same settings), read where they exist.
- rnn: the peak learning rate (1e-2, 3e-2) and the warm-up (1 or 3 epochs), 20 epochs without early stopping (so a long plateau is
  seen whole), every other experiment in name order (five). A second stage trains the winner for 60
  epochs too (the cosine schedule then spans 60) and keeps the budget with the higher mean. The
  early-stopping patience is then read off the chosen runs' validation curves: the longest stretch
  any of them spent without a new best validation auROC before it improved again, plus two epochs.
  A third stage tries a lower rate (`RNN_LONGER`: peak lr 3e-3 for 200 epochs, the schedule that left
  the plateau on all five synthetic configs, docs/results.md §1d, and for 60 epochs, stage two's
  budget) against stage two's winner; the budget with the higher mean validation auROC is chosen, and the patience is read off its
  curves.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("DEEPMOTIF_SHARED_DATA", HERE.parent.parent / "shared" / "data"))

CANDIDATES = {
    "cnn": {"lr3e-3": {"learning_rate": 3e-3}, "lr1e-2": {"learning_rate": 1e-2}, "lr3e-2": {"learning_rate": 3e-2}},
    "cnn_rnn": {"lr1e-3": {"learning_rate": 1e-3}, "lr3e-3": {"learning_rate": 3e-3},
                "lr1e-2": {"learning_rate": 1e-2}},
    # three candidates, not four (lr 3e-3 was dropped to fit the CPU time of one session)
    "rnn": {"lr1e-2": {"learning_rate": 1e-2}, "lr3e-2": {"learning_rate": 3e-2},
            "lr1e-2-warmup3": {"learning_rate": 1e-2, "warmup_epochs": 3}},
}
RNN_EPOCHS = (20, 60)  # the RNN's epoch budgets compared in the second stage
# Third stage: a lower peak rate for longer, against the second stage's winner.
RNN_LONGER = {"lr3e-3-e200": {"learning_rate": 3e-3, "epochs": 200}, "lr3e-3-e60": {"learning_rate": 3e-3, "epochs": 60}}
# The runs of bench/reverse_complement_selection.py made with exactly these settings.
REUSED = {("cnn", "lr1e-2"): "average", ("cnn_rnn", "lr3e-3"): "average"}


def experiments() -> list[str]:
    return sorted(p.name for p in (SHARED / "encode").iterdir() if p.is_dir() and p.name != "test_only")


def validation_curve(run: Path) -> list[float]:
    """Validation auROC per epoch, from the run's `history.csv`."""
    with open(run / "history.csv", newline="") as f:
        return [float(row["val_auroc"]) for row in csv.DictReader(f)]


def longest_wait(curve: list[float]) -> int:
    """The most epochs the curve went without a new best before it improved again."""
    best, since, longest = -1.0, 0, 0
    for value in curve:
        if value > best:
            longest, best, since = max(longest, since), value, 0
        else:
            since += 1
    return longest


def run_one(experiment: str, arch: str, name: str, settings: dict, args) -> Path:
    from deepmotif.zoo.training import train

    reused = REUSED.get((arch, name))
    if reused:
        old = HERE / "runs" / "reverse_complement" / f"{experiment}.{arch}.{reused}.s0"
        if (old / "metrics.json").is_file():
            return old
    run = Path(args.out) / f"{experiment}.{arch}.{name}.s0"
    if not (run / "metrics.json").is_file():
        print(f"[{experiment} {arch} {name}]", flush=True)
        recipe = {k: v for k, v in settings.items() if k not in ("learning_rate", "epochs")}
        epochs = settings.get("epochs") or (args.rnn_epochs if arch == "rnn" else args.epochs)
        if arch == "rnn":
            recipe["early_stopping_patience"] = 0  # off: the whole curve is the evidence
        train(f"encode_tfbs/{experiment}", arch, run, epochs=epochs, seed=0, learning_rate=settings["learning_rate"],
              max_train_examples=args.max_train, manual_dir=str(SHARED / "encode"), verbose=0,
              recipe_overrides=recipe, score_test=False)
    return run


def record(experiment: str, arch: str, name: str, settings: dict, args, rows: list[dict]) -> None:
    """Train (or reuse) one candidate run and append its validation auROC and curve to `rows`."""
    run = run_one(experiment, arch, name, settings, args)
    metrics = json.loads((run / "metrics.json").read_text())
    rows.append({"experiment": experiment, "arch": arch, "candidate": name, "settings": settings,
                 "validation_auroc": metrics["validation"]["auroc"], "validation_curve": validation_curve(run),
                 "run": str(run)})


def mean_validation(rows: list[dict], arch: str, candidate: str) -> float:
    """Mean validation auROC of one candidate's runs over the experiments."""
    return float(np.mean([r["validation_auroc"] for r in rows if r["arch"] == arch and r["candidate"] == candidate]))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--archs", default="cnn,cnn_rnn,rnn")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--rnn-epochs", type=int, default=20)
    parser.add_argument("--max-train", type=int, default=8000)
    parser.add_argument("--out", default=str(HERE / "runs" / "selection"))
    parser.add_argument("--results", default=str(HERE / "results" / "recipe_selection.json"),
                        help="the JSON the rows and choices go to (other architectures' rows are kept)")
    args = parser.parse_args(argv)

    result_path = Path(args.results)
    archs = args.archs.split(",")
    result = {"protocol": "validation auROC only; the test split is not read (score_test=False)",
              "epochs": args.epochs, "rnn_epochs": args.rnn_epochs, "max_train_examples": args.max_train,
              "rows": [], "summary": {}}
    if result_path.is_file():  # keep the architectures this call does not select
        earlier = json.loads(result_path.read_text())
        result["rows"] = [r for r in earlier.get("rows", []) if r["arch"] not in archs]
        result["summary"] = {a: v for a, v in earlier.get("summary", {}).items() if a not in archs}
    for arch in archs:
        names = experiments() if arch != "rnn" else experiments()[::2]
        for experiment in names:
            for name, settings in CANDIDATES[arch].items():
                record(experiment, arch, name, settings, args, result["rows"])
        rows = [r for r in result["rows"] if r["arch"] == arch]
        means = {c: mean_validation(rows, arch, c) for c in CANDIDATES[arch]}
        wins = dict.fromkeys(CANDIDATES[arch], 0)
        for experiment in names:
            cell = {r["candidate"]: r["validation_auroc"] for r in rows if r["experiment"] == experiment}
            wins[max(cell, key=cell.get)] += 1
        chosen = max(means, key=means.get)
        summary = {"experiments": names, "mean_validation_auroc": means, "experiments_won": wins,
                   "chosen": chosen, "settings": CANDIDATES[arch][chosen]}
        if arch == "rnn":  # second stage: the epoch budget, for the chosen rate and warm-up
            budgets = {args.rnn_epochs: (chosen, {**CANDIDATES[arch][chosen], "epochs": args.rnn_epochs})}
            for epochs in RNN_EPOCHS:
                if epochs == args.rnn_epochs:
                    continue
                budgets[epochs] = (f"{chosen}-e{epochs}", {**CANDIDATES[arch][chosen], "epochs": epochs})
                for experiment in names:
                    record(experiment, arch, *budgets[epochs], args, result["rows"])
            by_budget = {e: mean_validation(result["rows"], arch, name) for e, (name, _) in budgets.items()}
            # third stage: a lower rate for longer, against the second stage's winner
            finalists = dict([budgets[max(by_budget, key=by_budget.get)], *RNN_LONGER.items()])
            for name, settings in RNN_LONGER.items():
                for experiment in names:
                    record(experiment, arch, name, settings, args, result["rows"])
            by_finalist = {c: mean_validation(result["rows"], arch, c) for c in finalists}
            final = max(by_finalist, key=by_finalist.get)
            # the patience covers every curve trained at the chosen peak rate, whatever its budget: when the
            # RNN leaves its plateau is chaotic in small changes (docs/results.md §1c), so the chosen runs'
            # own curves may all have escaped early by chance
            rate = finalists[final]["learning_rate"]
            waits = [longest_wait(r["validation_curve"]) for r in result["rows"]
                     if r["arch"] == arch and r["settings"]["learning_rate"] == rate]
            summary.update({"mean_validation_auroc_by_epochs": by_budget,
                            "mean_validation_auroc_by_finalist": by_finalist, "chosen": final,
                            "settings": finalists[final], "epochs": finalists[final]["epochs"],
                            "longest_wait_epochs": max(waits), "patience": max(waits) + 2})
        result["summary"][arch] = summary
        result_path.parent.mkdir(exist_ok=True)
        tmp = result_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(result, indent=2) + "\n")
        tmp.replace(result_path)
        print(f"\n### {arch}\n\n| experiment | " + " | ".join(CANDIDATES[arch]) + " |\n|---|"
              + "---|" * len(CANDIDATES[arch]))
        for experiment in names:
            cell = {r["candidate"]: r["validation_auroc"] for r in rows if r["experiment"] == experiment}
            print(f"| {experiment} | " + " | ".join(f"{cell[c]:.4f}" for c in CANDIDATES[arch]) + " |")
        print("| **mean** | " + " | ".join(f"**{means[c]:.4f}**" for c in CANDIDATES[arch]) + " |")
        print(f"\n{arch}: rate `{chosen}` (experiments won: {wins})"
              + (f"; epochs at that rate {summary['mean_validation_auroc_by_epochs']}; finalists "
                 f"{summary['mean_validation_auroc_by_finalist']}" if arch == "rnn" else "")
              + f"; chosen `{summary['chosen']}` {summary['settings']}"
              + (f", patience {summary['patience']}" if arch == "rnn" else ""), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
