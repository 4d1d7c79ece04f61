"""The claim table as a picture: each architecture's test auROC with its 95% interval, beside DeepBind*.

    python bench/plot_claim_table.py --tables runs/claims/results.csv runs/claims_rnn/results.csv \
        --out docs/claim_table.png

Reads the `results.csv` that `deepmotif compare` writes (one row per experiment and a `mean` row; per
architecture `<arch>`, `<arch>_low`, `<arch>_high`), merges the architectures of several tables by
experiment, and draws one row per experiment (the mean last): a dot and its interval per architecture,
DeepBind*'s auROC as a black bar and DeepBind's as a grey one. Interval to the right of the black bar is
"above DeepBind*" in docs/results.md's wording.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

REFERENCES = ("DeepBind*", "DeepBind")
SUFFIXES = ("_low", "_high", "_sd", "_vs_DeepBind*")  # per-architecture columns beside `<arch>`


def read_tables(paths) -> tuple[list[str], dict[str, dict]]:
    """`(architectures, rows)`: `rows[experiment][arch] = (auroc, low, high)` (low/high None without an
    interval) and `rows[experiment][reference] = auroc`, merged over the tables in order."""
    archs: list[str] = []
    rows: dict[str, dict] = {}
    for path in paths:
        with open(path, newline="") as handle:
            reader = csv.DictReader(handle)
            names = [c for c in reader.fieldnames[1:] if c not in REFERENCES and not c.endswith(SUFFIXES)]
            archs += [a for a in names if a not in archs]
            for record in reader:
                row = rows.setdefault(record["experiment"], {})
                for arch in names:
                    if record.get(arch):
                        low, high = record.get(f"{arch}_low"), record.get(f"{arch}_high")
                        row[arch] = (float(record[arch]), float(low) if low else None, float(high) if high else None)
                for reference in REFERENCES:
                    if record.get(reference):
                        row[reference] = float(record[reference])
    return archs, rows


def short_name(experiment: str) -> str:
    """`GABPA_K562_GABP_HudsonAlpha` -> `GABPA K562`: the TF and the cell line."""
    parts = experiment.split("_")
    return " ".join(parts[:2]) if len(parts) > 1 else experiment


def plot(archs: list[str], rows: dict[str, dict], out: Path, title: str | None = None) -> Path:
    from deepmotif.interpret.plots import save_figure  # first: it sets the Agg backend

    import matplotlib.pyplot as plt

    experiments = [e for e in rows if e != "mean"] + (["mean"] if "mean" in rows else [])
    colours = dict(zip(archs, plt.get_cmap("tab10").colors))
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(experiments) + 1.8))
    offsets = {a: (k - (len(archs) - 1) / 2) * 0.22 for k, a in enumerate(archs)}
    for y, experiment in enumerate(experiments):
        row = rows[experiment]
        for reference, colour in zip(REFERENCES, ("black", "0.6")):
            if reference in row:
                ax.plot([row[reference]] * 2, [y - 0.38, y + 0.38], color=colour, lw=2 if colour == "black" else 1.5,
                        label=reference if y == 0 else None, zorder=1)
        for arch in archs:
            if arch not in row:
                continue
            auroc, low, high = row[arch]
            error = None if low is None else [[auroc - low], [high - auroc]]
            ax.errorbar(auroc, y + offsets[arch], xerr=error, fmt="o", ms=4, capsize=2, color=colours[arch],
                        label=arch if y == 0 else None, zorder=2)
    ax.set_yticks(range(len(experiments)))
    ax.set_yticklabels([short_name(e) if e != "mean" else "mean of ten" for e in experiments])
    ax.invert_yaxis()
    if "mean" in rows:
        ax.axhline(len(experiments) - 1.5, color="0.8", lw=0.8)
    ax.set_xlabel("test auROC (dot) with its 95% bootstrap interval")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.09), ncol=len(archs) + len(REFERENCES),
              frameon=False)
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    (written,) = save_figure(fig, out.with_suffix(""), formats=("png",), dpi=110)  # atomic; closes the figure
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tables", nargs="+", type=Path, required=True, help="results.csv files of deepmotif compare")
    parser.add_argument("--out", type=Path, default=Path("docs/claim_table.png"))
    parser.add_argument("--title", default=None, help="a title above the plot")
    args = parser.parse_args(argv)
    archs, rows = read_tables(args.tables)
    if not rows:
        raise SystemExit(f"no rows in {', '.join(map(str, args.tables))}")
    print(f"wrote {plot(archs, rows, args.out, args.title)} ({len(rows)} rows, architectures {', '.join(archs)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
