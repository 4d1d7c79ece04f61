"""Choose the reverse-complement default on validation auROC (never test): the ten ENCODE experiments of
../shared/data/encode, each mode of `deepmotif train --reverse-complement {off,augment,average}`.

    python bench/reverse_complement_selection.py [--archs cnn] [--epochs 8] [--max-train 8000] [--seeds 0]

Trains through `zoo.train` (the path `deepmotif train` runs; finished runs are reused, killed ones resume)
into `bench/runs/reverse_complement/`, reads each run's validation auROC from `metrics.json`, and writes
`bench/results/reverse_complement.json` and a Markdown table on stdout. The test split is not read for
the choice: the mode with the highest mean validation auROC over experiments wins.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np

MODES = ("off", "augment", "average")
HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("DEEPMOTIF_SHARED_DATA", HERE.parent.parent / "shared" / "data"))


def experiments() -> list[str]:
    return sorted(p.name for p in (SHARED / "encode").iterdir() if p.is_dir() and p.name != "test_only")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--archs", default="cnn")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--max-train", type=int, default=8000)
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--out", default=str(HERE / "runs" / "reverse_complement"))
    args = parser.parse_args(argv)

    from deepmotif.zoo.training import train

    rows = []
    for experiment in experiments():
        for arch in args.archs.split(","):
            for seed in map(int, args.seeds.split(",")):
                for mode in MODES:
                    run = Path(args.out) / f"{experiment}.{arch}.{mode}.s{seed}"
                    print(f"[{experiment} {arch} {mode} seed {seed}]", flush=True)
                    if not (run / "metrics.json").is_file():  # finished runs are read as they are
                        train(f"encode_tfbs/{experiment}", arch, run, epochs=args.epochs, seed=seed,
                              max_train_examples=args.max_train, reverse_complement=mode,
                              manual_dir=str(SHARED / "encode"), verbose=0)
                    metrics = json.loads((run / "metrics.json").read_text())
                    rows.append({"experiment": experiment, "arch": arch, "seed": seed, "mode": mode,
                                 "validation_auroc": metrics["validation"]["auroc"]})
    summary = {}
    for arch in args.archs.split(","):
        means = {m: float(np.mean([r["validation_auroc"] for r in rows if r["arch"] == arch and r["mode"] == m]))
                 for m in MODES}
        wins = {m: 0 for m in MODES}
        for experiment in experiments():
            cell = {r["mode"]: r["validation_auroc"] for r in rows if r["arch"] == arch and r["experiment"] == experiment}
            if cell:
                wins[max(cell, key=cell.get)] += 1
        summary[arch] = {"mean_validation_auroc": means, "experiments_won": wins, "chosen": max(means, key=means.get)}
    result = {"protocol": "validation auROC only; test split not read", "epochs": args.epochs,
              "max_train_examples": args.max_train, "rows": rows, "summary": summary}
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "reverse_complement.json").write_text(json.dumps(result, indent=2) + "\n")
    print("| experiment | arch | " + " | ".join(MODES) + " |\n|---|---|" + "---|" * len(MODES))
    for experiment in experiments():
        for arch in args.archs.split(","):
            cell = {r["mode"]: r["validation_auroc"] for r in rows if r["arch"] == arch and r["experiment"] == experiment}
            print(f"| {experiment} | {arch} | " + " | ".join(f"{cell[m]:.4f}" for m in MODES) + " |")
    for arch, s in summary.items():
        print(f"| **mean** | {arch} | " + " | ".join(f"**{s['mean_validation_auroc'][m]:.4f}**" for m in MODES)
              + f" |\n\n{arch}: chosen `{s['chosen']}` (experiments won: {s['experiments_won']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
