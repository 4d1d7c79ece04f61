"""Exact resumption: a `deepmotif train` SIGKILLed at a random moment and run again ends with the
same history, weights and test scores as a run never killed; the per-epoch pieces it relies on
(shuffle order, dropout seeds, atomic backups) are pure functions of (seed, epoch)."""

import os
import random
import signal
import subprocess
import sys
import time

import numpy as np

from deepmotif.datasets.pipeline import epoch_batches
from deepmotif.zoo import runs
from deepmotif.zoo.model_loading import load_run
from deepmotif.zoo.resumption import epoch_seed

TINY = "synthetic_tfbs/tiny"


def _command(run, data_dir):
    return [sys.executable, "-m", "deepmotif.cli.main", "train", "--dataset", TINY, "--arch", "cnn",
            "--out", str(run), "--epochs", "6", "--batch-size", "30", "--seed", "0", "--precision", "float32",
            "--data-dir", str(data_dir), "--set", "filters=[8,8,8]", "--verbose", "0"]


def _weights(run):
    model, _ = load_run(run)
    return model.get_weights()


def test_sigkilled_run_resumes_to_the_same_history_and_weights(tmp_path, tfds_data_dir):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    whole, killed = tmp_path / "whole", tmp_path / "killed"

    proc = subprocess.Popen(_command(whole, tfds_data_dir), env=env, stderr=subprocess.PIPE, text=True)
    while runs.backup_epoch(whole) < 1 and proc.poll() is None:
        time.sleep(0.01)
    first_backup = time.monotonic()
    while not (whole / runs.METRICS).exists() and proc.poll() is None:
        time.sleep(0.01)
    rest = time.monotonic() - first_backup  # epochs 2-6, then scoring
    assert proc.wait(timeout=300) == 0, proc.stderr.read()[-2000:]

    seed = random.randrange(10**6)
    # anywhere in epochs 2-4 (mid-epoch, mid-backup, mid-validation); half of `rest` leaves a margin for a
    # loaded machine, where the second run may go faster than the first
    delay = random.Random(seed).uniform(0, 0.5 * rest)
    proc = subprocess.Popen(_command(killed, tfds_data_dir), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while runs.backup_epoch(killed) < 1 and proc.poll() is None:
        time.sleep(0.01)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL, f"finished before the kill (delay {delay:.2f}s of {rest:.2f}s)"
    assert not (killed / runs.METRICS).exists()

    done = subprocess.run(_command(killed, tfds_data_dir), env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    why = f"killed {delay:.2f}s after the first backup (random seed {seed})"
    assert runs.read_history(killed) == runs.read_history(whole), why
    a, b = _weights(whole), _weights(killed)
    assert len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b)), why
    metrics_whole, metrics_killed = (runs.read_json(r / runs.METRICS) for r in (whole, killed))
    assert metrics_killed["test"]["auroc"] == metrics_whole["test"]["auroc"], why
    np.testing.assert_array_equal(np.load(killed / runs.PREDICTIONS)["y_score"],
                                  np.load(whole / runs.PREDICTIONS)["y_score"])
    assert not (killed / runs.BACKUP).exists()


def _epoch_rows(ds, steps):
    """The labels of each epoch in `ds` (one list per epoch) - labels are example numbers here."""
    batches = [y.numpy().astype(int).tolist() for _, y in ds]
    return [sum(batches[i:i + steps], []) for i in range(0, len(batches), steps)]


def test_epoch_batches_are_a_pure_function_of_seed_and_epoch():
    n, size = 23, 5
    tokens = np.random.default_rng(0).integers(0, 4, (n, 7)).astype(np.uint8)
    labels = np.arange(n)  # label = example number, so each batch shows which rows it holds
    whole = _epoch_rows(epoch_batches(tokens, labels, size, epochs=4, seed=3), 5)
    resumed = _epoch_rows(epoch_batches(tokens, labels, size, epochs=4, start_epoch=2, seed=3), 5)
    assert len(whole) == 4 and resumed == whole[2:]
    assert all(sorted(rows) == list(range(n)) for rows in whole)  # every example once per epoch
    assert len({tuple(rows) for rows in whole}) == 4  # a new order every epoch
    assert _epoch_rows(epoch_batches(tokens, labels, size, epochs=1, seed=4), 5)[0] != whole[0]
    x, _ = next(iter(epoch_batches(tokens, labels, size, epochs=1, seed=3)))
    assert x.shape == (5, 7, 4) and np.all(x.numpy().sum(-1) == 1)


def test_dropout_seed_depends_on_initial_seed_and_epoch_only():
    seeds = {epoch_seed(initial, epoch) for initial in (1, 2) for epoch in range(50)}
    assert len(seeds) == 100 and all(0 <= s < 2**31 - 2 for s in seeds)
    assert epoch_seed(1, 7) == epoch_seed(1, 7)
