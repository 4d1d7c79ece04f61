"""Training: every architecture learns on real (synthetic and ENCODE) data, the run directory is
complete, runs are deterministic, a SIGKILLed `deepmotif train` resumes from its backup, and bad
input is refused without touching existing runs."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from deepmotif.core.errors import DeepMotifError, UnknownNameError
from deepmotif.zoo import runs
from deepmotif.zoo.layer_walk import weighted_layer
from deepmotif.zoo.evaluation import EmptyDatasetError
from deepmotif.zoo.model_loading import load_run
from deepmotif.zoo.training import train

SYNTH = "synthetic_tfbs/gata1"
GATA1 = "encode_tfbs/GATA1_K562_GATA-1_USC"
SMALL = {"cnn": {"filters": [32, 32, 32]}, "rnn": {"lstm_units": 16}, "cnn_rnn": {"filters": [32], "lstm_units": 16}}


def _tiny(tmp, arch="cnn", name="run", **kw):
    args = dict(epochs=2, batch_size=64, max_train_examples=400, verbose=0, seed=1, **SMALL[arch])
    args.update(kw)
    return train(SYNTH, arch, tmp / name, **args)


@pytest.mark.parametrize("arch", ["cnn", "rnn", "cnn_rnn"])
def test_each_arch_trains_and_fills_the_run_dir(arch, tmp_path, tfds_data_dir):
    summary = _tiny(tmp_path, arch, data_dir=tfds_data_dir, epochs=3)
    run = tmp_path / "run"
    for name in (runs.CONFIG, runs.MODEL, runs.HISTORY, runs.METRICS, runs.PREDICTIONS, runs.TENSORBOARD):
        assert (run / name).exists(), name
    assert not (run / runs.BACKUP).exists() and not (run / runs.CHECKPOINT).exists()
    history = runs.read_history(run)
    assert [r["epoch"] for r in history] == [0, 1, 2]
    losses = [r["loss"] for r in history]
    assert np.isfinite(losses).all() and len(set(losses)) == 3  # the weights moved every epoch
    if arch != "rnn":  # the bi-LSTM alone sits on its initial plateau for more than 3 tiny epochs (docs/results.md)
        assert losses[-1] < losses[0]
    config = runs.read_config(run)
    assert config["arch"] == arch and config["n_train"] == 400 and config["model"]["seq_len"] == 101
    assert config["recipe"]["name"] == "default" and config["precision_policy"] == "float32"
    assert {"tensorflow", "keras", "tensorflow_datasets"} <= set(config["versions"])
    preds = np.load(run / runs.PREDICTIONS)
    assert preds["y_score"].shape == preds["y_true"].shape == preds["id"].shape == (1000,)
    assert summary["test"]["n"] == 1000 and 0 <= summary["test"]["auroc"] <= 1


def test_same_seed_same_metrics(tmp_path, tfds_data_dir):
    a = _tiny(tmp_path, name="a", data_dir=tfds_data_dir)
    b = _tiny(tmp_path, name="b", data_dir=tfds_data_dir)
    c = _tiny(tmp_path, name="c", data_dir=tfds_data_dir, seed=2)
    assert a["test"] == b["test"] and a["validation"] == b["validation"]
    assert runs.read_history(tmp_path / "a") == runs.read_history(tmp_path / "b")
    assert a["test"]["auroc"] != c["test"]["auroc"]


def test_same_config_returns_the_finished_run_and_different_config_is_refused(tmp_path, tfds_data_dir):
    _tiny(tmp_path, data_dir=tfds_data_dir)
    model = tmp_path / "run" / runs.MODEL
    before = (model.stat().st_mtime_ns, model.read_bytes())
    again = _tiny(tmp_path, data_dir=tfds_data_dir)
    assert again["state"] == "finished"
    with pytest.raises(runs.IncompatibleRunError, match="epochs"):
        _tiny(tmp_path, data_dir=tfds_data_dir, epochs=3)
    assert (model.stat().st_mtime_ns, model.read_bytes()) == before
    replaced = _tiny(tmp_path, data_dir=tfds_data_dir, epochs=1, overwrite=True)
    assert replaced["epochs_trained"] == 1 and runs.read_config(tmp_path / "run")["epochs"] == 1
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(runs.IncompatibleRunError, match="not a run directory"):
        train(SYNTH, "cnn", foreign, epochs=1, max_train_examples=50, verbose=0, data_dir=tfds_data_dir)
    assert (foreign / "notes.txt").read_text() == "mine"


def test_bad_names_and_empty_data(tmp_path, tfds_data_dir):
    with pytest.raises(UnknownNameError, match="cnn_rnn"):
        train(SYNTH, "cnn_rn", tmp_path / "x", data_dir=tfds_data_dir)
    with pytest.raises(UnknownNameError, match="precision"):
        train(SYNTH, "cnn", tmp_path / "x", precision="float8", data_dir=tfds_data_dir)
    with pytest.raises(UnknownNameError, match="recipe"):
        train(SYNTH, "cnn", tmp_path / "x", recipe="fast", data_dir=tfds_data_dir)
    with pytest.raises(UnknownNameError):
        train("synthetic_tfbs/nonesuch", "cnn", tmp_path / "x", data_dir=tfds_data_dir)
    with pytest.raises(EmptyDatasetError, match="empty train split"):
        train(SYNTH, "cnn", tmp_path / "x", max_train_examples=0, data_dir=tfds_data_dir)
    assert not (tmp_path / "x").exists()


def _cli(*args):
    return [sys.executable, "-m", "deepmotif.cli.main", *args]


def test_sigkilled_cli_run_resumes_from_backup(tmp_path, tfds_data_dir):
    run = tmp_path / "run"
    cmd = _cli("train", "--dataset", SYNTH, "--arch", "cnn", "--out", str(run), "--epochs", "12",
               "--max-train-examples", "200", "--batch-size", "100", "--data-dir", str(tfds_data_dir),
               "--set", "filters=[8,8,8]", "--verbose", "2", "--precision", "float32")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.time() + 240
    while runs.backup_epoch(run) < 2 and proc.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "training finished before it could be killed"
    killed_at = runs.backup_epoch(run)
    assert 2 <= killed_at < 12
    before = runs.read_history(run)[:killed_at]
    assert not (run / runs.METRICS).exists()

    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"from its backup at epoch {killed_at + 1}/12" in done.stdout
    metrics = json.loads((run / runs.METRICS).read_text())
    assert metrics["resumed_from_epoch"] == killed_at
    history = runs.read_history(run)
    epochs = [r["epoch"] for r in history]
    assert epochs == list(range(len(epochs))) and len(epochs) > killed_at  # no gap, no repeat
    assert history[:killed_at] == before  # the epochs before the kill are kept as they were
    assert not (run / runs.BACKUP).exists()


def test_real_encode_experiment(tmp_path, shared_data, tfds_data_dir):
    summary = train(GATA1, "cnn", tmp_path / "gata1", epochs=2, max_train_examples=600, batch_size=100, verbose=0,
                    manual_dir=shared_data / "encode", data_dir=tfds_data_dir, filters=[16, 16, 16])
    test = summary["test"]
    assert test["n"] == 1000
    assert test["deepbind_star_auroc"] == pytest.approx(0.960, abs=1e-3)
    assert test["deepbind_auroc"] == pytest.approx(0.954, abs=1e-3)
    history = runs.read_history(tmp_path / "gata1")
    assert history[-1]["loss"] < history[0]["loss"]


def test_finetune_hook_starts_from_given_weights_and_freezes_conv(tmp_path, tfds_data_dir):
    _tiny(tmp_path, "cnn_rnn", name="src", data_dir=tfds_data_dir, epochs=1)
    src, _ = load_run(tmp_path / "src")
    tuned = train(SYNTH, "cnn_rnn", tmp_path / "ft", epochs=1, batch_size=64, max_train_examples=200, verbose=0,
                  data_dir=tfds_data_dir, initial_weights_from=tmp_path / "src", freeze="conv")
    assert tuned["frozen_layers"] == ["conv1", "conv1_bn", "conv1_relu"]
    model, config = load_run(tmp_path / "ft")
    # both average strands (the default recipe): the weighted layers sit inside the strand model
    np.testing.assert_array_equal(weighted_layer(model, "conv1").kernel.numpy(), weighted_layer(src, "conv1").kernel.numpy())
    assert not np.array_equal(weighted_layer(model, "logit").kernel.numpy(), weighted_layer(src, "logit").kernel.numpy())
    assert config["model"]["lstm_units"] == 16 and config["initial_weights_from"].endswith("src")
    with pytest.raises(DeepMotifError, match="cannot start a cnn"):
        train(SYNTH, "cnn", tmp_path / "bad", epochs=1, verbose=0, data_dir=tfds_data_dir,
              initial_weights_from=tmp_path / "src")


def test_selection_runs_leave_the_test_split_unread_and_record_recipe_settings(tmp_path, tfds_data_dir, monkeypatch):
    from deepmotif.zoo import training

    read = []
    real = training.predict_split
    monkeypatch.setattr(training, "predict_split", lambda model, dataset, split, *a: read.append(split) or
                        real(model, dataset, split, *a))
    summary = _tiny(tmp_path, data_dir=tfds_data_dir, epochs=3, score_test=False,
                    recipe_overrides={"early_stopping_patience": 0, "warmup_epochs": 2})
    assert read == ["validation"]
    metrics = runs.read_json(tmp_path / "run" / runs.METRICS)
    assert "test" not in metrics and 0.5 < metrics["validation"]["auroc"] <= 1.0
    assert not (tmp_path / "run" / runs.PREDICTIONS).exists()
    config = runs.read_config(tmp_path / "run")
    assert config["score_test"] is False
    assert config["recipe"]["early_stopping_patience"] == 0 and config["recipe"]["warmup_epochs"] == 2
    assert summary["epochs_trained"] == 3
    with pytest.raises(UnknownNameError):
        _tiny(tmp_path, name="bad", data_dir=tfds_data_dir, recipe_overrides={"patience": 3})


def test_a_capped_validation_set_selects_and_is_what_metrics_score(tmp_path, tfds_data_dir):
    from deepmotif.datasets import load_arrays
    from deepmotif.zoo.evaluation import scores
    from deepmotif.zoo.prediction import predict

    summary = _tiny(tmp_path, data_dir=tfds_data_dir, epochs=2, max_validation_examples=60)
    config = runs.read_config(tmp_path / "run")
    assert config["max_validation_examples"] == 60 and config["n_validation"] == 60
    model, _ = load_run(tmp_path / "run")
    val = load_arrays(SYNTH, "validation", data_dir=tfds_data_dir)
    assert len(val["label"]) > 60
    expected = scores(val["label"][:60], predict(model, val["tokens"][:60]))
    assert summary["validation"]["n"] == 60
    assert summary["validation"]["auroc"] == pytest.approx(expected["auroc"])
    with pytest.raises(DeepMotifError, match="max_validation_examples"):
        _tiny(tmp_path, name="zero", data_dir=tfds_data_dir, max_validation_examples=0)
