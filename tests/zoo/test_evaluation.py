"""Evaluation: `deepmotif evaluate --json` agrees with an independent scikit-learn computation from
the saved model and from the saved predictions; ENCODE evaluations show DeepBind beside ours."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

import keras

from deepmotif.datasets import load_arrays
from deepmotif.core.sequences import one_hot
from deepmotif.zoo import runs
from deepmotif.zoo.evaluation import EmptyDatasetError, evaluate, scores
from deepmotif.zoo.prediction import predict
from deepmotif.zoo.training import train

SYNTH = "synthetic_tfbs/gata1"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, tfds_data_dir):
    out = tmp_path_factory.mktemp("eval") / "run"
    train(SYNTH, "cnn", out, epochs=2, batch_size=64, max_train_examples=300, verbose=0, seed=3,
          data_dir=tfds_data_dir, filters=[16, 16, 16])
    return out


def _cli(*args):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run([sys.executable, "-m", "deepmotif.cli.main", *args], capture_output=True, text=True,
                          env=env, timeout=300)


def test_evaluate_json_matches_independent_sklearn(run_dir, tfds_data_dir):
    done = _cli("evaluate", str(run_dir), "--json", "--data-dir", str(tfds_data_dir))
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)  # exactly one JSON object and nothing else on stdout
    assert set(result) == {"auroc", "auprc", "n"}

    model = keras.saving.load_model(run_dir / "model.keras")  # plain Keras, not our loader
    test = load_arrays(SYNTH, "test", data_dir=tfds_data_dir)
    y_score = model.predict(one_hot(test["tokens"]).astype("float32"), verbose=0).ravel()
    assert result["n"] == len(test["label"]) == 1000
    assert result["auroc"] == pytest.approx(roc_auc_score(test["label"], y_score), abs=1e-6)
    assert result["auprc"] == pytest.approx(average_precision_score(test["label"], y_score), abs=1e-6)

    saved = np.load(run_dir / runs.PREDICTIONS)
    np.testing.assert_allclose(saved["y_score"], y_score, rtol=1e-5, atol=1e-6)
    assert result["auroc"] == pytest.approx(roc_auc_score(saved["y_true"], saved["y_score"]), abs=1e-6)
    metrics = json.loads((run_dir / runs.METRICS).read_text())
    assert metrics["test"]["auroc"] == pytest.approx(result["auroc"], abs=1e-9)


def test_other_split_and_dataset(run_dir, tfds_data_dir, shared_data):
    val = evaluate(run_dir, split="validation", data_dir=tfds_data_dir)
    assert val["n"] == len(load_arrays(SYNTH, "validation", data_dir=tfds_data_dir)["label"])
    gata1 = "encode_tfbs/GATA1_K562_GATA-1_USC"
    done = _cli("evaluate", str(run_dir), "--dataset", gata1, "--manual-dir", str(shared_data / "encode"),
                "--data-dir", str(tfds_data_dir))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "DeepBind* auROC 0.960" in done.stdout and "DeepBind  auROC 0.954" in done.stdout
    assert "n=1000" in done.stdout


def test_predict_encodes_tokens_with_n_as_zero_row_like_one_hot():
    model = keras.Sequential([keras.Input((5, 4)), keras.layers.Flatten(), keras.layers.Dense(1, "sigmoid")])
    tokens = np.array([[0, 1, 2, 3, 4], [4, 4, 0, 0, 1]], dtype=np.uint8)
    np.testing.assert_allclose(predict(model, tokens),
                               model.predict(one_hot(tokens).astype("float32"), verbose=0).ravel(), rtol=1e-6)


def test_scores_refuse_empty_and_single_class():
    assert scores([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3]) == {"auroc": 1.0, "auprc": 1.0, "n": 4}
    with pytest.raises(EmptyDatasetError, match="no examples"):
        scores([], [])
    with pytest.raises(EmptyDatasetError, match="both classes"):
        scores([1, 1], [0.2, 0.3])


def test_missing_run_is_a_clear_cli_error(tmp_path):
    done = _cli("evaluate", str(tmp_path / "nothing"), "--json")
    assert done.returncode == 2
    assert "no trained model" in done.stderr and "model.keras" in done.stderr


def test_bootstrap_intervals_from_the_cli_python_and_metrics_json(run_dir, tfds_data_dir):
    from deepmotif.zoo.intervals import bootstrap_intervals

    done = _cli("evaluate", str(run_dir), "--bootstrap", "--json", "--data-dir", str(tfds_data_dir))
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert set(result) == {"auroc", "auprc", "n", "auroc_ci", "auprc_ci"}
    low, high = result["auroc_ci"]
    assert low < result["auroc"] < high and result["auprc_ci"][0] < result["auprc"] < result["auprc_ci"][1]
    saved = np.load(run_dir / runs.PREDICTIONS)
    reference = bootstrap_intervals(saved["y_true"], saved["y_score"], n_resamples=1000, seed=0)
    np.testing.assert_allclose(result["auroc_ci"], reference["auroc_ci"], atol=1e-5)  # N=1000, seed 0 by default
    python = evaluate(run_dir, data_dir=tfds_data_dir, bootstrap=200, seed=5)
    assert python["bootstrap"] == 200 and python["auroc_ci"] != result["auroc_ci"]
    assert "auroc_ci" not in evaluate(run_dir, data_dir=tfds_data_dir)
    metrics = json.loads((run_dir / runs.METRICS).read_text())  # training records the same intervals
    np.testing.assert_allclose(metrics["test"]["auroc_ci"], reference["auroc_ci"], atol=1e-5)
