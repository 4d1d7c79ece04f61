"""Distributed training: two `deepmotif train --strategy multiworker` processes on 127.0.0.1 end
with bit-identical weights, equal (to float rounding) to one process with the same global batch;
only worker 0 writes the run directory."""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from deepmotif.core.errors import DeepMotifError, UnknownNameError
from deepmotif.zoo import distributed, runs
from deepmotif.zoo.model_loading import load_run

TINY = "synthetic_tfbs/tiny"


def _free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _train(out, data_dir, strategy, tf_config=None, epochs=2, plain=True):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("TF_CONFIG", None)
    if tf_config:
        env["TF_CONFIG"] = json.dumps(tf_config)
    # plain: no dropout (each replica draws its own masks) and no batch norm (it normalizes each
    # replica's slice), so one process with the same global batch computes the same steps.
    cmd = [sys.executable, "-m", "deepmotif.cli.main", "train", "--dataset", TINY, "--arch", "cnn", "--out", str(out),
           "--epochs", str(epochs), "--batch-size", "60", "--max-train-examples", "240", "--seed", "0", "--precision",
           "float32", "--data-dir", str(data_dir), "--set", "filters=[8,8,8]", "--verbose", "2", "--strategy", strategy]
    if plain:
        cmd += ["--set", "batch_norm=false", "--set", "dropout=0"]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_multiworker_workers_agree_and_match_one_process(tmp_path, tfds_data_dir):
    from deepmotif.datasets import build_dataset

    build_dataset(TINY, data_dir=tfds_data_dir)  # once, not by two workers at the same time
    ports = _free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
    workers = [_train(tmp_path / f"out{i}", tfds_data_dir, "multiworker",
                      {"cluster": cluster, "task": {"type": "worker", "index": i}}) for i in range(2)]
    single = _train(tmp_path / "single", tfds_data_dir, "none")
    outputs = [p.communicate(timeout=300) for p in workers + [single]]
    for p, (out, err) in zip(workers + [single], outputs):
        assert p.returncode == 0, err[-3000:]
    digests = [next(line.split()[-1] for line in out.splitlines() if line.startswith("final weights sha256"))
               for out, _ in outputs[:2]]
    assert digests[0] == digests[1]  # bit-identical weights on both workers
    assert not (tmp_path / "out1").exists()  # only worker 0 writes the run directory

    chief, _ = load_run(tmp_path / "out0")
    alone, _ = load_run(tmp_path / "single")
    best = [runs.read_json(tmp_path / d / runs.METRICS)["best_epoch"] for d in ("out0", "single")]
    assert best[0] == best[1]  # model.keras is that epoch's in both
    for a, b in zip(chief.get_weights(), alone.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)
    h_chief, h_alone = runs.read_history(tmp_path / "out0"), runs.read_history(tmp_path / "single")
    assert [r["epoch"] for r in h_chief] == [0, 1]
    for a, b in zip(h_chief, h_alone):
        assert a.keys() == b.keys() and all(a[k] == pytest.approx(b[k], abs=1e-4) for k in a)
    assert runs.read_config(tmp_path / "out0")["strategy"] == "multiworker"


def _workers(out, data_dir, **kw):
    cluster = {"worker": [f"127.0.0.1:{p}" for p in _free_ports(2)]}
    return [_train(out, data_dir, "multiworker", {"cluster": cluster, "task": {"type": "worker", "index": i}}, **kw)
            for i in range(2)]


def _digests(procs):
    outputs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs[0][1][-3000:] + outputs[1][1][-3000:]
    return [next(line.split()[-1] for line in out.splitlines() if line.startswith("final weights sha256"))
            for out, _ in outputs]


def test_killed_distributed_run_resumes_exactly(tmp_path, tfds_data_dir):
    """Both workers SIGKILLed after the chief's first backup, then started again: the chief sends its
    backup to the other worker, and both end as an uninterrupted pair does (with dropout and batch norm)."""
    from deepmotif.datasets import build_dataset

    build_dataset(TINY, data_dir=tfds_data_dir)
    whole = _digests(_workers(tmp_path / "whole", tfds_data_dir, epochs=3, plain=False))
    killed = _workers(tmp_path / "killed", tfds_data_dir, epochs=3, plain=False)
    while runs.backup_epoch(tmp_path / "killed") < 1 and killed[0].poll() is None:
        time.sleep(0.01)
    for p in killed:
        p.send_signal(signal.SIGKILL)
        p.communicate()
    assert killed[0].returncode == -signal.SIGKILL, "finished before the kill"
    resumed = _digests(_workers(tmp_path / "killed", tfds_data_dir, epochs=3, plain=False))
    assert whole[0] == whole[1] == resumed[0] == resumed[1]
    assert runs.read_json(tmp_path / "killed" / runs.METRICS)["resumed_from_epoch"] >= 1
    assert runs.read_history(tmp_path / "killed") == runs.read_history(tmp_path / "whole")


def test_strategy_names_and_cluster_spec(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    assert distributed.cluster() == (1, 0) and distributed.resolve_strategy("mirrored") == "mirrored"
    with pytest.raises(UnknownNameError, match="multiworker"):
        distributed.resolve_strategy("multi")
    with pytest.raises(DeepMotifError, match="TF_CONFIG"):
        distributed.make_strategy("multiworker")
    spec = {"cluster": {"chief": ["a:1"], "worker": ["b:1", "c:1"]}, "task": {"type": "worker", "index": 1}}
    monkeypatch.setenv("TF_CONFIG", json.dumps(spec))
    assert distributed.cluster() == (3, 2) and distributed.resolve_strategy("auto") == "multiworker"
    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(DeepMotifError, match="not a TensorFlow cluster spec"):
        distributed.cluster()
