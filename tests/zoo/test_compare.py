"""compare: the table's numbers and means, names, and a resumable end-to-end run."""

import csv
import json

import numpy as np
import pytest

from deepmotif.core import atomic

from deepmotif.core.errors import UnknownNameError
from deepmotif.zoo import runs
from deepmotif.zoo.comparison import compare, dataset_name, results_table, run_folder


def test_names():
    assert dataset_name("ARID3A_K562_ARID3A_(sc-8821)_Stanford") == "encode_tfbs/ARID3A_K562_ARID3A_-sc-8821-_Stanford"
    assert dataset_name("synthetic_tfbs/gata1") == "synthetic_tfbs/gata1"
    assert run_folder("encode_tfbs/GATA1_K562_GATA-1_USC") == "GATA1_K562_GATA-1_USC"
    assert run_folder("synthetic_tfbs/gata1") == "synthetic_tfbs_gata1"


def test_table_means_and_missing_values():
    results = {"encode_tfbs/A": {"cnn": 0.8, "cnn_rnn": 0.9}, "encode_tfbs/B": {"cnn": 0.6, "cnn_rnn": None}}
    refs = {"encode_tfbs/A": {"deepbind_star_auroc": 0.95, "deepbind_auroc": 0.9},
            "encode_tfbs/B": {"deepbind_star_auroc": 0.85, "deepbind_auroc": 0.8}}
    md, table = results_table(results, ["cnn", "cnn_rnn"], refs)
    lines = md.strip().splitlines()
    assert lines[0] == "| experiment | cnn | cnn_rnn | DeepBind* | DeepBind |"
    assert lines[2] == "| A | 0.800 | 0.900 | 0.950 | 0.900 |"
    assert lines[3] == "| B | 0.600 | — | 0.850 | 0.800 |"
    # cnn_rnn misses a cell: its mean over the finished cell alone would not compare, so none is shown
    assert lines[4] == "| **mean** | **0.700** | — | 0.900 | 0.850 |"
    rows = list(csv.reader(table.splitlines()))
    assert rows[-1] == ["mean", "0.7000", "", "0.9000", "0.8500"]
    assert rows[2][2] == ""


def _fake_run(folder, y_true, y_score, validation_auroc):
    from sklearn.metrics import roc_auc_score

    folder.mkdir(parents=True)
    np.savez(folder / runs.PREDICTIONS, y_true=y_true, y_score=y_score, id=np.arange(len(y_true)).astype(str))
    atomic.write_json(folder / runs.METRICS, {"test": {"auroc": float(roc_auc_score(y_true, y_score))},
                                              "validation": {"auroc": validation_auroc}})
    return folder


def test_seeds_summary_mean_sd_interval_and_median_seed(tmp_path):
    from deepmotif.zoo.comparison import seeds_summary
    from deepmotif.zoo.intervals import bootstrap_intervals

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    scores = [y * strength + rng.normal(0, 1, 400) for strength in (0.5, 1.0, 2.0)]
    dirs = [_fake_run(tmp_path / f"s{k}", y, s, v) for k, (s, v) in enumerate(zip(scores, (0.7, 0.9, 0.8)))]
    summary = seeds_summary(dirs)
    aurocs = [runs.read_json(d / runs.METRICS)["test"]["auroc"] for d in dirs]
    assert summary["auroc"] == pytest.approx(np.mean(aurocs))
    assert summary["sd"] == pytest.approx(np.std(aurocs, ddof=1))
    assert summary["published"] == dirs[2]  # validation 0.7, 0.9, 0.8: the median is seed 2's
    low, high = summary["interval"]
    assert low < summary["auroc"] < high
    # the mean's interval is narrower than the spread of the single seeds' intervals put together
    singles = [bootstrap_intervals(y, s)["auroc_ci"] for s in scores]
    assert low > min(a for a, _ in singles) and high < max(b for _, b in singles)


def test_compare_end_to_end_skips_finished_runs(tmp_path, tfds_data_dir):
    with pytest.raises(UnknownNameError):
        compare(["synthetic_tfbs/gata1"], archs=["cnn", "lstm"], out=tmp_path)
    kw = dict(archs=["cnn", "rnn"], out=tmp_path, epochs=1, batch_size=64, max_train_examples=200,
              data_dir=tfds_data_dir, verbose=0)
    first = compare(["synthetic_tfbs/gata1"], **kw)
    run = tmp_path / "synthetic_tfbs_gata1"
    for arch in ("cnn", "rnn"):
        metrics = json.loads((run / arch / runs.METRICS).read_text())
        assert first["results"]["synthetic_tfbs/gata1"][arch] == metrics["test"]["auroc"]
    stamps = {arch: (run / arch / runs.MODEL).stat().st_mtime_ns for arch in ("cnn", "rnn")}
    second = compare(["synthetic_tfbs/gata1"], **kw)
    assert second["markdown"] == first["markdown"]
    assert stamps == {arch: (run / arch / runs.MODEL).stat().st_mtime_ns for arch in ("cnn", "rnn")}
    rows = list(csv.DictReader((tmp_path / "runs.csv").open()))
    assert [r["arch"] for r in rows] == ["cnn", "rnn"] and all(r["n_train"] == "200" for r in rows)
    assert (tmp_path / "results.md").read_text() == first["markdown"]


def test_a_cell_with_some_seeds_finished_is_shown_but_counts_in_no_mean():
    results = {"encode_tfbs/A": {"cnn": 0.8}, "encode_tfbs/B": {"cnn": None}}
    refs = {"encode_tfbs/A": {"deepbind_star_auroc": 0.95}, "encode_tfbs/B": {"deepbind_star_auroc": 0.85}}
    md, table = results_table(results, ["cnn"], refs, spreads={"encode_tfbs/A": {"cnn": 0.01}},
                              partial={"encode_tfbs/B": {"cnn": (0.7, 1, 3)}})
    lines = md.strip().splitlines()
    assert lines[2] == "| A | 0.800 ± 0.010 | 0.950 |"
    assert lines[3] == "| B | — (0.700 from 1 of 3 seeds) | 0.850 |"
    assert lines[4].startswith("| **mean** | — |")
    assert list(csv.reader(table.splitlines()))[2][1] == ""  # the csv holds finished cells only


def test_the_mean_row_carries_the_interval_of_the_mean_over_experiments(tmp_path):
    from deepmotif.zoo.comparison import _write_tables, grid, run_dir_of
    from deepmotif.zoo.intervals import mean_interval

    rng = np.random.default_rng(1)
    datasets, predictions = ["encode_tfbs/A", "encode_tfbs/B"], {}
    for dataset in datasets:
        y = rng.integers(0, 2, 300)
        for seed in (0, 1):
            score = 2.0 * y + rng.normal(0, 1, 300)  # auROC about 0.92
            predictions.setdefault(dataset, (y, []))[1].append(score)
            run = _fake_run(run_dir_of(tmp_path, dataset, "cnn", seed, True), y, score, 0.9)
            atomic.write_json(run / runs.CONFIG, {"arch": "cnn", "dataset": dataset, "seed": seed})
            metrics = runs.read_json(run / runs.METRICS)
            atomic.write_json(run / runs.METRICS, {**metrics, "test": {**metrics["test"], "auprc": 0.9, "n": 300}})
    refs = {"encode_tfbs/A": {"deepbind_star_auroc": 0.80}, "encode_tfbs/B": {"deepbind_star_auroc": 0.70}}

    _, md, table, missing = _write_tables(tmp_path, grid(datasets, ["cnn"], [0, 1]), True, ["cnn"], refs)

    expected = mean_interval([(y, np.stack(scores)) for y, scores in predictions.values()])
    mean_line = next(line for line in md.splitlines() if line.startswith("| **mean**"))
    assert f"[{expected[0]:.3f}, {expected[1]:.3f}] (above)" in mean_line  # its low end clears DeepBind*'s 0.75
    assert "Mean row: the interval of the mean over the experiments" in md
    rows = list(csv.DictReader(table.splitlines()))
    assert float(rows[-1]["cnn_low"]) == pytest.approx(expected[0], abs=1e-4)
    assert rows[-1]["cnn_vs_DeepBind*"] == "above" and not missing
    # with a seed missing the column has no mean, so no interval either
    (run_dir_of(tmp_path, "encode_tfbs/B", "cnn", 1, True) / runs.METRICS).unlink()
    _, md, _, missing = _write_tables(tmp_path, grid(datasets, ["cnn"], [0, 1]), True, ["cnn"], refs)
    assert "Mean row" not in md and len(missing) == 1
