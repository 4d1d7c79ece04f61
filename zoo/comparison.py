"""`compare`: train every architecture on each experiment and tabulate test auROC beside DeepBind.

Runs go to `OUT/<experiment>/<arch>/` (finished runs are skipped, killed ones resume); the table is
rewritten after every run as `OUT/results.md` and `OUT/results.csv` (one row per experiment, means at
the bottom), and `OUT/runs.csv` holds one row per run (auROC, auPRC, epochs, seconds, training size).
"""

from __future__ import annotations

import csv
import io
import math
import time
from pathlib import Path

from deepmotif.core.errors import DeepMotifError
from deepmotif.core import atomic, runs

REFERENCES = (("deepbind_star_auroc", "DeepBind*"), ("deepbind_auroc", "DeepBind"))


def dataset_name(experiment: str) -> str:
    """A bare ENCODE experiment (`GATA1_K562_GATA-1_USC`, parentheses allowed) -> `encode_tfbs/<name>`."""
    if "/" in experiment:
        return experiment
    return "encode_tfbs/" + experiment.replace("(", "-").replace(")", "-")


def run_folder(dataset: str) -> str:
    """Folder name of a dataset's runs: the experiment for ENCODE, else the name with `/` -> `_`."""
    return dataset.split("/", 1)[1] if dataset.startswith("encode_tfbs/") else dataset.replace("/", "_")


def _mean(values) -> float | None:
    values = [v for v in values if v is not None and not math.isnan(v)]
    return sum(values) / len(values) if values else None


def _fmt(value, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def results_table(results: dict, archs, references: dict) -> tuple[str, str]:
    """`results[dataset][arch]` -> test auROC (or None); -> `(markdown, csv)` with a mean row.

    `references[dataset]` holds `deepbind_star_auroc` / `deepbind_auroc` where published.
    """
    ref_keys = [(k, label) for k, label in REFERENCES if any(k in r for r in references.values())]
    header = ["experiment", *archs, *(label for _, label in ref_keys)]
    rows = []
    for dataset, by_arch in results.items():
        rows.append([run_folder(dataset), *(by_arch.get(a) for a in archs),
                     *(references.get(dataset, {}).get(k) for k, _ in ref_keys)])
    means = ["mean"] + [_mean(r[i] for r in rows) for i in range(1, len(header))]
    best = max((m for m in means[1:1 + len(archs)] if m is not None), default=None)

    md = io.StringIO()
    md.write("| " + " | ".join(header) + " |\n|" + "---|" * len(header) + "\n")
    for row in rows:
        md.write("| " + " | ".join([row[0]] + [_fmt(v) for v in row[1:]]) + " |\n")
    cells = ["**mean**"] + [
        f"**{_fmt(v)}**" if (i <= len(archs) and v is not None and v == best) else _fmt(v)
        for i, v in enumerate(means[1:], start=1)
    ]
    md.write("| " + " | ".join(cells) + " |\n")

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows + [means]:
        writer.writerow([row[0]] + ["" if v is None else f"{v:.4f}" for v in row[1:]])
    return md.getvalue(), out.getvalue()


def _run_row(dataset: str, arch: str, run_dir: Path, seconds: float | None) -> dict:
    metrics = runs.read_json(run_dir / runs.METRICS)
    config = runs.read_config(run_dir)
    test = metrics["test"]
    return {"experiment": run_folder(dataset), "arch": arch, "auroc": test["auroc"], "auprc": test["auprc"],
            "n_test": test["n"], "n_train": config.get("n_train"), "epochs": config.get("epochs"),
            "epochs_trained": metrics.get("epochs_trained"), "best_epoch": metrics.get("best_epoch"),
            "train_seconds": metrics.get("train_seconds"), "wall_seconds": None if seconds is None else round(seconds, 1)}


def compare(experiments, archs=("cnn", "rnn", "cnn_rnn"), out="runs/compare", *, verbose: int = 2,
            command: str | None = None, **train_kwargs) -> dict:
    """Train each arch on each experiment (see `training.train` for `train_kwargs`) and write the table.

    Returns `{"results": {dataset: {arch: auroc}}, "markdown", "csv", "markdown_path", "csv_path"}`.
    A run that fails is reported in the table as missing and re-raised after the others finished.
    """
    from deepmotif.zoo.architectures import architecture_config
    from deepmotif.zoo.evaluation import reference_scores
    from deepmotif.zoo.training import train

    if not experiments:
        raise DeepMotifError("compare needs at least one experiment")
    for arch in archs:
        architecture_config(arch)
    out = Path(out)
    datasets = [dataset_name(e) for e in experiments]
    results = {d: {} for d in datasets}
    references = {d: reference_scores(d) for d in datasets}
    run_rows, failures = [], []
    header = None
    for dataset in datasets:
        for arch in archs:
            run_dir = out / run_folder(dataset) / arch
            start = time.perf_counter()
            finished = (run_dir / runs.METRICS).is_file()
            if not finished:
                if verbose:
                    print(f"== {dataset} / {arch} -> {run_dir}", flush=True)
                try:
                    train(dataset, arch, run_dir, verbose=verbose, command=command, **train_kwargs)
                except DeepMotifError as e:
                    failures.append(f"{dataset} / {arch}: {e}")
                    print(f"!! {dataset} / {arch} failed: {e}", flush=True)
                    continue
            row = _run_row(dataset, arch, run_dir, None if finished else time.perf_counter() - start)
            results[dataset][arch] = row["auroc"]
            run_rows.append(row)
            md, table_csv = results_table(results, archs, references)
            atomic.write_text(out / "results.md", md)
            atomic.write_text(out / "results.csv", table_csv)
            buf = io.StringIO()
            header = header or list(row)
            writer = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
            writer.writeheader()
            writer.writerows(run_rows)
            atomic.write_text(out / "runs.csv", buf.getvalue())
    md, table_csv = results_table(results, archs, references)
    atomic.write_text(out / "results.md", md)
    atomic.write_text(out / "results.csv", table_csv)
    if failures:
        raise DeepMotifError("some runs failed:\n  " + "\n  ".join(failures))
    return {"results": results, "markdown": md, "csv": table_csv,
            "markdown_path": str(out / "results.md"), "csv_path": str(out / "results.csv")}
