"""Validation learning curves of the recipe-selection runs, one panel per architecture's candidates.

    python bench/plot_learning_curves.py [--arch rnn] [--out docs/rnn_learning_curves.png]
    python bench/plot_learning_curves.py --arch rnn --runs runs/claims_rnn --out docs/rnn_claim_curves.png

Reads `bench/results/recipe_selection.json` (written by `bench/recipe_selection.py`): every row's
per-epoch validation auROC, one panel per candidate setting; or, with `--runs`, the `history.csv` of
every run a `deepmotif compare` folder holds for the architecture, one panel per folder. One line per
experiment, so a run stuck on its initial plateau (validation auROC near 0.5) shows as a flat line.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent


def plot(rows: list[dict], arch: str, out: Path) -> Path:
    from deepmotif.interpret.plots import save_figure  # first: it sets the Agg backend

    import matplotlib.pyplot as plt

    rows = [r for r in rows if r["arch"] == arch]
    candidates = list(dict.fromkeys(r["candidate"] for r in rows))
    experiments = list(dict.fromkeys(r["experiment"] for r in rows))
    colours = plt.get_cmap("tab10")
    columns = min(3, len(candidates))
    grid = -(-len(candidates) // columns)  # rows of panels
    fig, axes = plt.subplots(grid, columns, figsize=(max(6.0, 4.2 * columns), 3.6 * grid), sharey=True,
                             squeeze=False)
    for ax in axes.flat[len(candidates):]:
        ax.set_visible(False)
    for ax, candidate in zip(axes.flat, candidates):
        for k, experiment in enumerate(experiments):
            row = next((r for r in rows if r["candidate"] == candidate and r["experiment"] == experiment), None)
            if row is None:
                continue
            curve = row["validation_curve"]
            ax.plot(range(1, len(curve) + 1), curve, color=colours(k % 10), lw=1.4,
                    label=experiment.split("_")[0] + "_" + experiment.split("_")[1])
        ax.set_title(f"{arch} {candidate}", fontsize=10)
        ax.set_xlabel("epoch")
        ax.axhline(0.5, color="grey", lw=0.6, ls=":")
        ax.grid(alpha=0.3)
    for row in axes:
        row[0].set_ylabel("validation auROC")
    axes.flat[len(candidates) - 1].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    (written,) = save_figure(fig, out.with_suffix(""), formats=("png",), dpi=110)  # atomic; closes the figure
    return written


def rows_from_compare(folder: Path, arch: str) -> list[dict]:
    """Rows like recipe_selection.json's from a `deepmotif compare` folder's runs (seed 0 or seedless)."""
    import csv

    rows = []
    for experiment in sorted(p for p in folder.iterdir() if p.is_dir()):
        candidates = (experiment / arch, experiment / f"{arch}-seed0")
        run = next((path for path in candidates if (path / "history.csv").is_file()), None)
        if run is None:
            continue
        with open(run / "history.csv", newline="") as f:
            curve = [float(row["val_auroc"]) for row in csv.DictReader(f)]
        rows.append({"arch": arch, "candidate": folder.name, "experiment": experiment.name, "validation_curve": curve})
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", default="rnn")
    parser.add_argument("--results", default=str(HERE / "results" / "recipe_selection.json"))
    parser.add_argument("--runs", nargs="+", default=None,
                        help="deepmotif compare folders to plot instead of the selection runs")
    parser.add_argument("--out", default=str(HERE.parent / "docs" / "rnn_learning_curves.png"))
    args = parser.parse_args(argv)
    if args.runs:
        rows = [row for folder in args.runs for row in rows_from_compare(Path(folder), args.arch)]
    else:
        rows = json.loads(Path(args.results).read_text())["rows"]
    print(plot(rows, args.arch, Path(args.out)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
