"""Faults caused for real: a full disk during training and export (a file-size limit in a
subprocess, or ENOSPC injected into a write), an export SIGKILLed mid-write, two exports of one
name at once. Each leaves earlier checkpoints and exported versions whole and says what happened."""

import errno
import os
import random
import resource
import signal
import subprocess
import sys
import time

import h5py
import keras
import numpy as np
import pytest

from deepmotif.core.sequences import one_hot_strings
from deepmotif.zoo import runs, warmup
from deepmotif.zoo import saved_models
from deepmotif.zoo.architectures import build
from deepmotif.zoo.export_leftovers import OWNER_FILE
from deepmotif.zoo.model_loading import load_run
from deepmotif.zoo.resumption import METADATA
from deepmotif.zoo.saved_models import ExportError, export_model
from deepmotif.zoo.training import train
from deepmotif.zoo.version_dirs import versions

TINY = "synthetic_tfbs/tiny"
SEQ = ["ACGTACGTACGTACGTACGTACGT", "GATAAGGATAAGGATAAGGATAAG"]


def _cli(*args, limit=None, **kw):
    """Run `deepmotif ARGS` in a subprocess; with `limit`, no file it writes may exceed `limit` bytes
    (RLIMIT_FSIZE, SIGXFSZ ignored so the write fails with EFBIG as on a full disk)."""
    def cap():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.Popen([sys.executable, "-m", "deepmotif.cli.main", *args], env=env, text=True,
                            preexec_fn=cap if limit else None, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def _train_kw(data_dir, **kw):
    return dict(epochs=4, batch_size=40, verbose=0, seed=0, data_dir=data_dir, filters=[8, 8, 8],
                precision="float32", **kw)


def test_disk_full_mid_backup_keeps_the_last_epoch_and_resumes_exactly(tmp_path, tfds_data_dir, monkeypatch):
    original = keras.Model.save_weights
    calls = []

    def fills_the_disk(self, filepath, *args, **kwargs):
        calls.append(filepath)
        original(self, filepath, *args, **kwargs)
        if len(calls) == 3:  # the epoch-3 backup: half written, then the disk is full
            with open(filepath, "r+b") as f:
                f.truncate(os.path.getsize(filepath) // 2)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(filepath))

    monkeypatch.setattr(keras.Model, "save_weights", fills_the_disk)
    run = tmp_path / "run"
    with pytest.raises(OSError) as err:
        train(TINY, "cnn", run, **_train_kw(tfds_data_dir))
    assert err.value.errno == errno.ENOSPC
    monkeypatch.setattr(keras.Model, "save_weights", original)

    backup = run / runs.BACKUP
    assert runs.backup_epoch(run) == 2
    assert sorted(p.name for p in backup.iterdir()) == ["epoch-2.weights.h5", METADATA]  # no half file
    with h5py.File(backup / "epoch-2.weights.h5") as f:
        assert "layers" in f and "optimizer" in f
    best, _ = load_run(run / runs.BEST_CHECKPOINT)  # the best model so far is whole
    assert best.output_shape == (None, 1) and any(w.shape == (9, 4, 8) for w in best.get_weights())  # conv1

    resumed = train(TINY, "cnn", run, **_train_kw(tfds_data_dir))
    whole = train(TINY, "cnn", tmp_path / "whole", **_train_kw(tfds_data_dir))
    assert resumed["resumed_from_epoch"] == 2
    assert runs.read_history(run) == runs.read_history(tmp_path / "whole")
    assert resumed["test"]["auroc"] == whole["test"]["auroc"]


def test_cli_train_over_a_file_size_limit_says_so_without_a_traceback(tmp_path, tfds_data_dir):
    from deepmotif.datasets import build_dataset

    build_dataset(TINY, data_dir=tfds_data_dir)  # the limit is for the run's files, not the dataset's
    proc = _cli("train", "--dataset", TINY, "--arch", "cnn", "--out", str(tmp_path / "run"), "--epochs", "2",
                "--data-dir", str(tfds_data_dir), "--set", "filters=[8,8,8]", "--verbose", "0", limit=16_000)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 2, err[-3000:]
    assert "File too large while writing" in err and "run the same command again" in err
    assert "Traceback" not in err


@pytest.fixture(scope="module")
def keras_file(tmp_path_factory):
    keras.utils.set_random_seed(0)
    model = build("cnn", seq_len=24, filters=[4, 4, 4], kernel_sizes=[5, 3, 3])
    path = tmp_path_factory.mktemp("model") / "model.keras"
    model.save(path)
    return path


def _scores(version_dir):
    import tensorflow as tf

    loaded = tf.saved_model.load(str(version_dir))
    return loaded.signatures["predict_sequences"](sequences=tf.constant(SEQ))["probability"].numpy()


def _hidden(model_dir):
    return sorted(p.name for p in model_dir.iterdir() if p.name.startswith("."))


def test_export_killed_mid_write_leaves_only_whole_versions_and_next_export_cleans(tmp_path, keras_file):
    base = tmp_path / "exported_models"
    model_dir = base / "m"
    first = export_model(keras.saving.load_model(keras_file), "m", base_dir=base)
    before = _scores(first)

    proc = _cli("export", str(keras_file), "--name", "m", "--base-dir", str(base))
    while not any((p / OWNER_FILE).exists() for p in model_dir.glob(".2.*.tmp")) and proc.poll() is None:
        time.sleep(0.005)
    time.sleep(random.uniform(0, 0.5))  # somewhere in writing the SavedModel
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL, "the export finished before the kill"

    assert versions(model_dir) == [1] and not (model_dir / "2").exists()
    leftovers = _hidden(model_dir)
    assert len(leftovers) == 1 and leftovers[0].startswith(".2.")
    np.testing.assert_array_equal(_scores(first), before)

    (model_dir / ".3.notours1.tmp").mkdir()  # a look-alike holding a user's file is never deleted
    (model_dir / ".3.notours1.tmp" / "notes.txt").write_text("mine")
    second = export_model(keras.saving.load_model(keras_file), "m", base_dir=base)
    assert second.name == "2" and versions(model_dir) == [1, 2]
    assert _hidden(model_dir) == [".3.notours1.tmp"]
    np.testing.assert_array_equal(_scores(second), before)


def test_export_over_a_file_size_limit_keeps_earlier_versions(tmp_path, keras_file):
    base = tmp_path / "exported_models"
    first = export_model(keras.saving.load_model(keras_file), "m", base_dir=base)
    config = (base / "models.config").read_text()
    proc = _cli("export", str(keras_file), "--name", "m", "--base-dir", str(base), limit=20_000)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 2 and "File too large while writing" in err and "Traceback" not in err, err[-3000:]
    assert versions(base / "m") == [1] and _hidden(base / "m") == []
    assert (base / "models.config").read_text() == config
    assert _scores(first).shape == (2, 1)


def test_an_export_that_loses_the_race_for_its_version_gets_a_clear_error(tmp_path, keras_file, monkeypatch):
    base = tmp_path / "exported_models"
    model = keras.saving.load_model(keras_file)
    original = warmup.write_warmup_requests
    inner = []

    def meanwhile(*args, **kwargs):  # while the first export writes, a second one completes
        if not inner:
            inner.append(None)
            inner[0] = export_model(model, "m", base_dir=base)
        return original(*args, **kwargs)

    monkeypatch.setattr(warmup, "write_warmup_requests", meanwhile)
    with pytest.raises(ExportError, match="written by another export of m while this one ran"):
        export_model(model, "m", base_dir=base)
    assert inner[0].name == "1" and versions(base / "m") == [1] and _hidden(base / "m") == []
    assert 'base_path: "/models/m"' in (base / "models.config").read_text()


def test_two_export_processes_of_one_name(tmp_path, keras_file):
    base = tmp_path / "exported_models"
    procs = [_cli("export", str(keras_file), "--name", "m", "--base-dir", str(base)) for _ in range(2)]
    results = [(p.communicate(timeout=300)[1], p.returncode)[::-1] for p in procs]
    ok = [rc for rc, _ in results if rc == 0]
    for rc, err in results:
        assert rc in (0, 2) and "Traceback" not in err, err[-3000:]
        if rc == 2:
            assert "written by another export" in err or "already exists" in err
    assert ok and versions(base / "m") == list(range(1, len(ok) + 1)) and _hidden(base / "m") == []
