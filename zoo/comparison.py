"""`compare`: train every architecture on each experiment and tabulate test auROC beside DeepBind.

Runs go to `OUT/<experiment>/<arch>/` (finished runs are skipped, killed ones resume); the table is
rewritten after every run as `OUT/results.md` and `OUT/results.csv` (one row per experiment, means at
the bottom), and `OUT/runs.csv` holds one row per run (auROC, auPRC, epochs, seconds, training size).
The grid of (experiment, architecture, seed) runs can be split over N independent jobs (`shard`:
job i trains cells i, i+N, ...; no table), then tabulated by one `merge` call (README: Slurm, Kubernetes).
"""

from __future__ import annotations

import csv
import io
import math
import time
from pathlib import Path

from deepmotif.core.errors import DeepMotifError
from deepmotif.core import atomic
from deepmotif.zoo import runs
from deepmotif.zoo.intervals import format_interval, versus

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


def _cell(value, interval, reference, spread=None) -> str:
    """`0.970 ± 0.003 [0.961, 0.978] (level)`: the seeds' sd (several seeds), the interval and,
    against DeepBind*, the wording it allows."""
    if value is None:
        return "—"
    text = format_interval(value, interval)
    if spread is not None:
        head, _, tail = text.partition(" ")
        text = f"{head} ± {spread:.3f}" + (f" {tail}" if tail else "")
    if interval is not None and reference is not None:
        text += f" ({versus(interval, reference)})"
    return text


def results_table(results: dict, archs, references: dict, intervals: dict | None = None,
                  spreads: dict | None = None, partial: dict | None = None,
                  mean_intervals: dict | None = None) -> tuple[str, str]:
    """`results[dataset][arch]` -> test auROC (or None); -> `(markdown, csv)` with a mean row.

    `references[dataset]` holds `deepbind_star_auroc` / `deepbind_auroc` where published.
    `intervals[dataset][arch]`, when given, is the 95% bootstrap interval `[low, high]` of that auROC:
    the markdown shows it and says "above", "level" or "below" DeepBind* (above only when the whole
    interval is above; `deepmotif.zoo.intervals.versus`), with a count per architecture under the
    table; the csv gains `<arch>_low`, `<arch>_high` and `<arch>_vs_DeepBind*` columns.
    `spreads[dataset][arch]`, when given (several seeds), is the seeds' standard deviation: shown as
    `± sd` and written as `<arch>_sd` columns. `partial[dataset][arch] = (mean, done, seeds)` shows,
    in the markdown only, a cell whose seeds have not all finished (it counts in no mean).
    `mean_intervals[arch]`, when given, is the 95% interval of the architecture's mean over the
    experiments (`deepmotif.zoo.intervals.mean_interval`): shown in the mean row, compared with
    DeepBind*'s mean, and written in the mean row's `<arch>_low/high` columns.
    """
    mean_intervals = mean_intervals or {}
    intervals = intervals or {}
    spreads = spreads or {}
    with_sd = any(spreads.get(d, {}).get(a) is not None for d in results for a in archs)
    with_ci = any(intervals.get(d, {}).get(a) is not None for d in results for a in archs)
    ref_keys = [(k, label) for k, label in REFERENCES if any(k in r for r in references.values())]
    bar_key = ref_keys[0][0] if ref_keys and ref_keys[0][0] == "deepbind_star_auroc" else None
    header = ["experiment", *archs, *(label for _, label in ref_keys)]
    rows, cells_md, verdicts = [], [], []
    for dataset, by_arch in results.items():
        bar = references.get(dataset, {}).get(bar_key) if bar_key else None
        spans = [intervals.get(dataset, {}).get(a) for a in archs]
        rows.append([run_folder(dataset), *(by_arch.get(a) for a in archs),
                     *(references.get(dataset, {}).get(k) for k, _ in ref_keys)])
        cells_md.append([_cell(by_arch.get(a), span, bar, spreads.get(dataset, {}).get(a))
                         if by_arch.get(a) is not None or a not in (partial or {}).get(dataset, {}) else
                         "— ({:.3f} from {} of {} seeds)".format(*partial[dataset][a])
                         for a, span in zip(archs, spans)])
        verdicts.append([versus(span, bar) if (span is not None and bar is not None) else None for span in spans])
    # An architecture's mean only over a complete column: a mean over the finished cells alone would
    # not compare with the others (or with DeepBind*'s mean over all experiments).
    means = ["mean"] + [None if i <= len(archs) and any(r[i] is None for r in rows) else _mean(r[i] for r in rows)
                        for i in range(1, len(header))]
    best = max((m for m in means[1:1 + len(archs)] if m is not None), default=None)

    md = io.StringIO()
    md.write("| " + " | ".join(header) + " |\n|" + "---|" * len(header) + "\n")
    for row, arch_cells in zip(rows, cells_md):
        md.write("| " + " | ".join([row[0], *arch_cells] + [_fmt(v) for v in row[1 + len(archs):]]) + " |\n")
    cells = ["**mean**"] + [
        f"**{_fmt(v)}**" if (i <= len(archs) and v is not None and v == best) else _fmt(v)
        for i, v in enumerate(means[1:], start=1)
    ]
    bar_mean = means[header.index("DeepBind*")] if "DeepBind*" in header else None
    for j, arch in enumerate(archs):
        span = mean_intervals.get(arch)
        if span is not None and means[1 + j] is not None:
            cells[1 + j] += f" [{span[0]:.3f}, {span[1]:.3f}]" + (
                f" ({versus(span, bar_mean)})" if bar_mean is not None else "")
    md.write("| " + " | ".join(cells) + " |\n")
    if with_ci and bar_key:
        counts = []
        for j, arch in enumerate(archs):
            said = [v[j] for v in verdicts if v[j] is not None]
            counts.append(f"{arch} above on {said.count('above')}, level on {said.count('level')}, "
                          f"below on {said.count('below')}")
        md.write("\n" + ("Cells: mean ± sd over the seeds. " if with_sd else "")
                 + "Brackets: 95% bootstrap intervals over the test sequences"
                 + (" (of the seeds' mean auROC: every resample scores all seeds on the same sequences)"
                    if with_sd else "") + ". Against DeepBind*, a model is "
                 "above only when its whole interval is above DeepBind*'s auROC, below when the whole interval "
                 "is below, else level: " + "; ".join(counts) + "."
                 + (" Mean row: the interval of the mean over the experiments (each test set resampled on its "
                    "own), against DeepBind*'s mean." if any(a in mean_intervals for a in archs) else "") + "\n")

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    extra = [f"{a}_{suffix}" for a in archs for suffix in ("low", "high", "vs_DeepBind*")] if with_ci else []
    extra += [f"{a}_sd" for a in archs] if with_sd else []
    writer.writerow(header + extra)
    for k, row in enumerate(rows + [means]):
        values = [row[0]] + ["" if v is None else f"{v:.4f}" for v in row[1:]]
        dataset = list(results)[k] if k < len(rows) else None
        if with_ci:
            for j, arch in enumerate(archs):
                if k < len(rows):
                    span, verdict = intervals.get(list(results)[k], {}).get(arch), verdicts[k][j]
                else:
                    span = mean_intervals.get(arch) if means[1 + j] is not None else None
                    verdict = versus(span, bar_mean) if span is not None and bar_mean is not None else None
                values += (["", "", ""] if span is None else
                           [f"{span[0]:.4f}", f"{span[1]:.4f}", verdict or ""])
        if with_sd:
            for arch in archs:
                sd = spreads.get(dataset, {}).get(arch) if dataset is not None else None
                values.append("" if sd is None else f"{sd:.4f}")
        writer.writerow(values)
    return md.getvalue(), out.getvalue()


def _test_predictions(run_dirs: list[Path]):
    """`(y_true (n,), y_score (runs, n))` from the runs' `predictions_test.npz`, or None when a file is
    missing, the runs scored different sequences, or the test set holds one class."""
    import numpy as np

    saved = []
    for run_dir in run_dirs:
        path = Path(run_dir) / runs.PREDICTIONS
        if not path.is_file():
            return None
        with np.load(path, allow_pickle=False) as npz:
            saved.append((npz["y_true"], npz["y_score"], npz["id"]))
    if not all(np.array_equal(ids, saved[0][2]) for _, _, ids in saved) or len(np.unique(saved[0][0])) < 2:
        return None
    return saved[0][0], np.stack([score for _, score, _ in saved])


def _interval_from_predictions(run_dirs: list[Path]):
    """The 95% bootstrap interval of the runs' mean test auROC (one run: its own interval, for runs
    whose metrics.json predates intervals; several: paired over the same test sequences), or None
    (`_test_predictions`)."""
    from deepmotif.zoo.intervals import bootstrap_intervals

    predictions = _test_predictions(run_dirs)
    return None if predictions is None else bootstrap_intervals(*predictions)["auroc_ci"]


def _mean_row_interval(cell_runs: list[list[Path]]):
    """The 95% interval of an architecture's mean auROC over experiments (each experiment's runs paired
    on its test set, experiments resampled independently), or None when a prediction file is missing."""
    from deepmotif.zoo.intervals import mean_interval

    sets = [_test_predictions(dirs) for dirs in cell_runs]
    return None if not sets or any(s is None for s in sets) else mean_interval(sets)


def seeds_summary(run_dirs: list[Path]) -> dict:
    """What a cell of several seeds reports: the seeds' mean and sd of test auROC, the paired-bootstrap
    95% interval of that mean, and the seed to publish (the one whose validation auROC is the median).

    Parameters
    ----------
    run_dirs : list of pathlib.Path
        Finished runs of one (experiment, architecture), one per seed, scored on the same test set.

    Returns
    -------
    dict
        `{"auroc", "sd", "interval" ([low, high] or None), "published": run_dir}`.
    """
    import numpy as np

    metrics = [runs.read_json(d / runs.METRICS) for d in run_dirs]
    aurocs = [m["test"]["auroc"] for m in metrics]
    by_validation = sorted(range(len(run_dirs)), key=lambda i: (metrics[i]["validation"]["auroc"], i))
    published = run_dirs[by_validation[(len(run_dirs) - 1) // 2]]
    return {"auroc": float(np.mean(aurocs)), "sd": float(np.std(aurocs, ddof=1)) if len(aurocs) > 1 else 0.0,
            "interval": _interval_from_predictions(run_dirs), "published": published}


def _run_row(dataset: str, arch: str, run_dir: Path, seconds: float | None) -> dict:
    metrics = runs.read_json(run_dir / runs.METRICS)
    config = runs.read_config(run_dir)
    test = metrics["test"]
    span = test.get("auroc_ci") or _interval_from_predictions([run_dir])
    return {"experiment": run_folder(dataset), "arch": arch, "auroc": test["auroc"],
            "auroc_low": None if span is None else span[0], "auroc_high": None if span is None else span[1],
            "auprc": test["auprc"], "validation_auroc": metrics.get("validation", {}).get("auroc"),
            "n_test": test["n"], "n_train": config.get("n_train"), "epochs": config.get("epochs"),
            "epochs_trained": metrics.get("epochs_trained"), "best_epoch": metrics.get("best_epoch"),
            "train_seconds": metrics.get("train_seconds"), "wall_seconds": None if seconds is None else round(seconds, 1)}


def expand_experiments(experiments, manual_dir=None) -> list[str]:
    """Dataset names of `experiments`: a bare ENCODE experiment means `encode_tfbs/<name>`, and a
    builder name alone (`encode_tfbs`, `synthetic_tfbs`) means every dataset it defines, in its order;
    with `manual_dir`, `encode_tfbs` alone means the experiments whose train and test files are there."""
    from deepmotif.datasets.pipeline import BUILDERS, builder_names

    names = []
    for e in experiments:
        if e == "encode_tfbs" and manual_dir is not None:
            from deepmotif.datasets.encode_tfbs.encode_tfbs_dataset_builder import read_experiments
            from deepmotif.datasets.encode_tfbs.files import with_train_and_test

            present = with_train_and_test([manual_dir], [(r["experiment"], r["config"]) for r in read_experiments()])
            if not present:
                raise DeepMotifError(f"no ENCODE experiment has both a train and a test file under {manual_dir}")
            names += [f"encode_tfbs/{c}" for c in present]
        else:
            names += builder_names(e) if e in BUILDERS and e != "user_tfbs" else [dataset_name(e)]
    return list(dict.fromkeys(names))


def parse_shard(text: str) -> tuple[int, int]:
    """`"I/N"` -> `(I, N)`: this job's index `0 <= I < N` among N jobs (a Slurm array's
    `$SLURM_ARRAY_TASK_ID`, an indexed Kubernetes Job's `$JOB_COMPLETION_INDEX`)."""
    try:
        index, count = (int(part) for part in str(text).split("/"))
    except ValueError:
        raise DeepMotifError(f"--shard expects I/N (e.g. 0/8), got {text!r}") from None
    if count < 1 or not 0 <= index < count:
        raise DeepMotifError(f"--shard {text}: need 0 <= I < N")
    return index, count


def grid(datasets, archs, seeds) -> list[tuple[str, str, int]]:
    """Every `(dataset, arch, seed)` run, in a fixed order: seeds, then datasets, then archs, so a grid
    stopped part way holds whole one-seed tables first."""
    return [(d, a, int(s)) for s in seeds for d in datasets for a in archs]


def shard_of(cells: list, index: int, count: int) -> list:
    """The cells job `index` of `count` trains: disjoint across jobs, together all of them.

    With at least `count` experiments, whole experiments are dealt round-robin (job i gets experiments
    i, i+N, ...), so no two jobs build or read-modify one dataset at once; with fewer, single cells are.
    """
    experiments = list(dict.fromkeys(c[0] for c in cells))
    if len(experiments) >= count:
        mine = set(experiments[index::count])
        return [c for c in cells if c[0] in mine]
    return cells[index::count]


def run_dir_of(out, dataset: str, arch: str, seed: int, several_seeds: bool) -> Path:
    """`out/<experiment>/<arch>/`, or `out/<experiment>/<arch>-seed<k>/` when comparing several seeds."""
    return Path(out) / run_folder(dataset) / (f"{arch}-seed{seed}" if several_seeds else arch)


def _write_tables(out: Path, cells, several_seeds: bool, archs, references,
                  wall: dict | None = None) -> tuple[dict, str, str, list]:
    """Tabulate the finished runs of `cells` into `out/results.{md,csv}` and `out/runs.csv`;
    returns `(results, markdown, csv, missing cells)`. Several seeds: a cell counts once all its seeds
    have finished, as the seeds' mean ± sd with the interval of that mean (`seeds_summary`); before
    that the markdown shows the finished seeds' mean and count. `runs.csv` marks the seed to publish
    (`published`: median validation auROC)."""
    datasets = list(dict.fromkeys(d for d, _, _ in cells))
    seeds_of = {}
    for dataset, arch, seed in cells:
        seeds_of.setdefault((dataset, arch), []).append(seed)
    intervals, spreads, partial = {d: {} for d in datasets}, {d: {} for d in datasets}, {d: {} for d in datasets}
    results = {d: {a: None for a in archs} for d in datasets}
    run_rows, missing = [], []
    complete: dict[str, list[list[Path]]] = {a: [] for a in archs}
    for (dataset, arch), seeds in seeds_of.items():
        dirs = [run_dir_of(out, dataset, arch, seed, several_seeds) for seed in seeds]
        finished = [(seed, d) for seed, d in zip(seeds, dirs) if (d / runs.METRICS).is_file()]
        missing += [(dataset, arch, seed) for seed, d in zip(seeds, dirs) if not (d / runs.METRICS).is_file()]
        rows = [{**_run_row(dataset, arch, d, (wall or {}).get(d)), "seed": seed} for seed, d in finished]
        if 0 < len(finished) < len(seeds):
            partial[dataset][arch] = (sum(r["auroc"] for r in rows) / len(rows), len(finished), len(seeds))
        if len(finished) == len(seeds):  # a cell is reported only with all of its seeds
            complete[arch].append([d for _, d in finished])
            if several_seeds:
                summary = seeds_summary([d for _, d in finished])
                results[dataset][arch], spreads[dataset][arch] = summary["auroc"], summary["sd"]
                if summary["interval"] is not None:
                    intervals[dataset][arch] = summary["interval"]
                for row, (_, d) in zip(rows, finished):
                    row["published"] = d == summary["published"]
            else:
                row = rows[0]
                results[dataset][arch] = row["auroc"]
                if row["auroc_low"] is not None:
                    intervals[dataset][arch] = [row["auroc_low"], row["auroc_high"]]
        run_rows += rows
    mean_intervals = {a: _mean_row_interval(dirs) for a, dirs in complete.items()
                      if len(datasets) > 1 and len(dirs) == len(datasets)}
    md, table_csv = results_table(results, archs, references, intervals, spreads if several_seeds else None,
                                  partial, {a: span for a, span in mean_intervals.items() if span is not None})
    if missing:
        shown = "; ".join(f"{run_folder(d)} {a} seed {s}" for d, a, s in missing[:12])
        more = f"; and {len(missing) - 12} more (runs.csv lists the finished ones)" if len(missing) > 12 else ""
        md += f"\nNot finished ({len(missing)} of {len(cells)} runs; their cells show —): {shown}{more}.\n"
    atomic.write_text(out / "results.md", md)
    atomic.write_text(out / "results.csv", table_csv)
    if run_rows:
        fields = list(dict.fromkeys(key for row in run_rows for key in row))
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(run_rows)
        atomic.write_text(out / "runs.csv", buf.getvalue())
    return results, md, table_csv, missing


def compare(experiments, archs=("cnn", "rnn", "cnn_rnn"), out="runs/compare", *, seeds=None, shard=None,
            merge: bool = False, verbose: int = 2, command: str | None = None, **train_kwargs) -> dict:
    """Train each architecture on each experiment and write the table of test auROCs.

    Finished runs are reused and killed ones resumed; a run that fails is reported in the table as
    missing and re-raised after the others finished. N independent jobs can split the grid
    (`shard=(i, N)`, each trains its share and writes no table), then one `merge=True` call (or a
    call without `shard`, which trains whatever is still missing) writes the table.

    Parameters
    ----------
    experiments : list of str
        Dataset names; a bare ENCODE experiment name means `encode_tfbs/<name>`; `encode_tfbs`
        alone means all of its experiments, or with `manual_dir` those whose files are there
        (`expand_experiments`).
    archs : sequence of str, default ("cnn", "rnn", "cnn_rnn")
    out : str or pathlib.Path, default "runs/compare"
        Runs go to `out/<experiment>/<arch>/` (`<arch>-seed<k>/` with several seeds); the table to
        `out/results.md`, `out/results.csv` and `out/runs.csv`.
    seeds : sequence of int, optional
        Seeds of the grid (default: `train_kwargs["seed"]`, else 0); the table shows each cell's mean ±
        sd over the seeds with the interval of that mean, and `runs.csv` marks the seed to publish
        (median validation auROC; `seeds_summary`). The grid runs seed by seed.
    shard : (int, int) or str, optional
        `(i, N)` or `"i/N"`: train only the grid cells `i, i+N, i+2N, ...` (`shard_of`).
    merge : bool, default False
        Train nothing; tabulate the finished runs and raise if any is missing.
    verbose : int, default 2
        Keras verbosity of each run.
    command : str, optional
        The command line recorded in each run's config.
    **train_kwargs
        Passed to `train` (`epochs`, `batch_size`, `recipe`, `precision`, `manual_dir`, `data_dir`, ...).

    Returns
    -------
    dict
        `{"results": {dataset: {arch: auroc}}, "markdown", "csv", "markdown_path", "csv_path"}`;
        with `shard`: `{"shard", "runs": [run dirs trained or found finished]}` and no table.
    """
    from deepmotif.zoo.architectures import architecture_config
    from deepmotif.zoo.evaluation import reference_scores
    from deepmotif.zoo.training import train

    if not experiments:
        raise DeepMotifError("compare needs at least one experiment")
    if shard is not None and merge:
        raise DeepMotifError("--shard trains one share of the grid and --merge trains nothing: give one of them")
    for arch in archs:
        architecture_config(arch)
    out = Path(out)
    seeds = [int(s) for s in (seeds or [train_kwargs.get("seed", 0)])]
    train_kwargs.pop("seed", None)
    several = len(seeds) > 1
    cells = grid(expand_experiments(experiments, train_kwargs.get("manual_dir")), archs, seeds)
    if shard is not None:
        shard = parse_shard(shard if isinstance(shard, str) else "/".join(map(str, shard)))
        todo = shard_of(cells, *shard)
    else:
        todo = [] if merge else cells
    references = {d: reference_scores(d) for d in dict.fromkeys(d for d, _, _ in cells)}
    failures, done, wall = [], [], {}
    for dataset, arch, seed in todo:
        run_dir = run_dir_of(out, dataset, arch, seed, several)
        start = time.perf_counter()
        if not (run_dir / runs.METRICS).is_file():
            if verbose:
                print(f"== {dataset} / {arch} / seed {seed} -> {run_dir}", flush=True)
            try:
                train(dataset, arch, run_dir, verbose=verbose, command=command, seed=seed, **train_kwargs)
            except DeepMotifError as e:
                failures.append(f"{dataset} / {arch} / seed {seed}: {e}")
                print(f"!! {dataset} / {arch} / seed {seed} failed: {e}", flush=True)
                continue
            wall[run_dir] = time.perf_counter() - start
        done.append(str(run_dir))
        if shard is None:  # one job: keep the table current after every run
            _write_tables(out, cells, several, archs, references, wall)
    if failures:
        if shard is None:
            _write_tables(out, cells, several, archs, references, wall)
        raise DeepMotifError("some runs failed:\n  " + "\n  ".join(failures))
    if shard is not None:
        return {"shard": shard, "runs": done, "cells": len(cells)}
    results, md, table_csv, missing = _write_tables(out, cells, several, archs, references, wall)
    if merge and missing:
        shown = "\n  ".join(f"{d} / {a} / seed {s}: {run_dir_of(out, d, a, s, several)}" for d, a, s in missing[:20])
        raise DeepMotifError(f"{len(missing)} of {len(cells)} runs are not finished (their shard jobs failed or still "
                             f"run); the table at {out / 'results.md'} leaves them out:\n  {shown}")
    return {"results": results, "markdown": md, "csv": table_csv,
            "markdown_path": str(out / "results.md"), "csv_path": str(out / "results.csv")}
