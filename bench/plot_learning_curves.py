"""Validation learning curves of the recipe-selection runs, one panel per architecture's candidates.

    python bench/plot_learning_curves.py [--arch rnn] [--out docs/rnn_learning_curves.png]

Reads `bench/results/recipe_selection.json` (written by `bench/recipe_selection.py`): every row's
per-epoch validation auROC. One panel per candidate setting, one line per experiment, so a run stuck
on its initial plateau (validation auROC near 0.5) shows as a flat line.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent


def plot(rows: list[dict], arch: str, out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in rows if r["arch"] == arch]
    candidates = list(dict.fromkeys(r["candidate"] for r in rows))
    experiments = list(dict.fromkeys(r["experiment"] for r in rows))
    colours = plt.get_cmap("tab10")
    fig, axes = plt.subplots(1, len(candidates), figsize=(3.6 * len(candidates), 3.4), sharey=True, squeeze=False)
    for ax, candidate in zip(axes[0], candidates):
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
    axes[0][0].set_ylabel("validation auROC")
    axes[0][-1].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.stem + ".tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    tmp.replace(out)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", default="rnn")
    parser.add_argument("--results", default=str(HERE / "results" / "recipe_selection.json"))
    parser.add_argument("--out", default=str(HERE.parent / "docs" / "rnn_learning_curves.png"))
    args = parser.parse_args(argv)
    rows = json.loads(Path(args.results).read_text())["rows"]
    print(plot(rows, args.arch, Path(args.out)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
