"""Fine-tuning measured fairly: GATA1 (K562) -> GATA3 (SH-SY5Y) with little labelled data.

    python bench/fine_tuning_fair.py [--source GATA1_K562_GATA-1_USC.cnn] [--sizes 250,1000] [--seeds 0,1,2]

A user with n labelled GATA3 sequences has no 3,000-sequence validation set: every run here trains on
the first n sequences of GATA3's training split and selects its checkpoint (early stopping, best epoch)
on the first n of its validation split (`max_validation_examples=n`), so validation is never larger
than training. Three conditions per size, each with three seeds, all with the source model's
architecture: from scratch, fine-tuned with the convolution frozen, fine-tuned with every layer; and
beside them the source applied unchanged (zero-shot). Every cell's test auROC (the untouched DeepBind
`_B` set, 1,000 sequences) is read once, when the cell is done, and reported as mean ± sd over seeds with
the paired-bootstrap 95% interval of that mean (`deepmotif.zoo.comparison.seeds_summary`).

Runs go to `bench/runs/fine_tuning/<source>/` (`<source>`: the model name and version, e.g.
`GATA1_K562_GATA-1_USC.cnn-v4`, so a republished source never reuses the runs of the one before it;
finished runs are reused, killed ones resume); the table to `bench/results/fine_tuning.json` and stdout.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("DEEPMOTIF_SHARED_DATA", HERE.parent.parent / "shared" / "data"))
TARGET = "encode_tfbs/GATA3_SH-SY5Y_GATA3_-SC-269-_USC"
EPOCHS = {250: 20, 1000: 15}  # as in docs/results.md's first fine-tuning table
CONDITIONS = ("scratch", "conv", "none")  # none / conv: the `--freeze` option of `deepmotif finetune`


def source_label(source) -> str:
    """`<name>-v<version>` for an exported version, else the run's folder name: where its runs go."""
    if source.kind == "export" and source.path.name.isdigit():
        return f"{source.path.parent.name}-v{source.path.name}"
    return Path(source.path).name


def run_cell(source, size: int, condition: str, seed: int, out: Path) -> Path:
    from deepmotif.zoo import model_loading
    from deepmotif.zoo.fine_tuning import finetune
    from deepmotif.zoo.training import train

    run = out / f"n{size}" / f"{condition}-seed{seed}"
    if (run / "metrics.json").is_file():
        return run
    print(f"[n={size} {condition} seed {seed}]", flush=True)
    common = dict(epochs=EPOCHS.get(size, 15), seed=seed, max_train_examples=size, max_validation_examples=size,
                  manual_dir=str(SHARED / "encode"), verbose=0)
    if condition == "scratch":  # the source's architecture, strands included, from random weights
        hp = model_loading.architecture_hyperparameters(source)
        arch = hp.pop("arch")
        hp.pop("seq_len", None)
        strands = "average" if hp.pop("reverse_complement", False) else "off"
        train(TARGET, arch, run, reverse_complement=strands, **common, **hp)
    else:
        finetune(str(source.path), TARGET, run, freeze=condition, **common)
    return run


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", default="GATA1_K562_GATA-1_USC.cnn", help="registry name or run directory")
    parser.add_argument("--sizes", default="250,1000")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--out", default=str(HERE / "runs" / "fine_tuning"))
    args = parser.parse_args(argv)

    from deepmotif.zoo import model_loading
    from deepmotif.zoo.comparison import seeds_summary
    from deepmotif.zoo.evaluation import evaluate

    source = model_loading.locate(args.source, offline=True)
    out = Path(args.out) / source_label(source)
    zero = evaluate(source.path, dataset=TARGET, manual_dir=str(SHARED / "encode"), bootstrap=1000)
    result = {"source": args.source, "source_path": str(source.path), "target": TARGET,
              "protocol": "train on the first n, select on the first n validation sequences; test read once per cell",
              "zero_shot": {"auroc": zero["auroc"], "interval": zero.get("auroc_ci")},
              "deepbind_star_auroc": zero.get("deepbind_star_auroc"), "deepbind_auroc": zero.get("deepbind_auroc"),
              "cells": []}
    seeds = [int(s) for s in args.seeds.split(",")]
    for size in map(int, args.sizes.split(",")):
        for condition in CONDITIONS:
            dirs = [run_cell(source, size, condition, seed, out) for seed in seeds]
            summary = seeds_summary(dirs)
            per_seed = [json.loads((d / "metrics.json").read_text()) for d in dirs]
            result["cells"].append({
                "n": size, "condition": condition, "seeds": seeds, "auroc": summary["auroc"], "sd": summary["sd"],
                "interval": summary["interval"], "published_seed": seeds[dirs.index(summary["published"])],
                "test_auroc_per_seed": [m["test"]["auroc"] for m in per_seed],
                "validation_auroc_per_seed": [m["validation"]["auroc"] for m in per_seed],
                "best_epoch_per_seed": [m.get("best_epoch") for m in per_seed]})
            (HERE / "results").mkdir(exist_ok=True)
            tmp = HERE / "results" / "fine_tuning.json.tmp"
            tmp.write_text(json.dumps(result, indent=2) + "\n")
            tmp.replace(HERE / "results" / "fine_tuning.json")

    def show(cell):
        low, high = cell["interval"] or (float("nan"), float("nan"))
        return f"{cell['auroc']:.3f} ± {cell['sd']:.3f} [{low:.3f}, {high:.3f}]"

    z = result["zero_shot"]
    print("\n| training = validation sequences | zero-shot | from scratch | fine-tuned, conv frozen | "
          "fine-tuned, all layers |\n|---|---|---|---|---|")
    for size in map(int, args.sizes.split(",")):
        cells = {c["condition"]: c for c in result["cells"] if c["n"] == size}
        print(f"| {size} | {z['auroc']:.3f} [{z['interval'][0]:.3f}, {z['interval'][1]:.3f}] | "
              + " | ".join(show(cells[c]) for c in CONDITIONS) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
