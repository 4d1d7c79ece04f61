"""CLI: `deepmotif export`, `deepmotif models ...`, `deepmotif finetune` (argument handling and errors)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from deepmotif.zoo.architectures import build
from deepmotif.cli.main import main


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A run directory holding a tiny CNN trained for one epoch."""
    import keras

    keras.utils.set_random_seed(0)
    run = tmp_path_factory.mktemp("run")
    model = build("cnn", seq_len=24, filters=[4, 4, 4], kernel_sizes=[3, 3, 3])
    model.compile("adam", "binary_crossentropy")
    rng = np.random.default_rng(0)
    model.fit(np.eye(4, dtype="float32")[rng.integers(0, 4, (32, 24))], rng.integers(0, 2, 32).astype("float32"),
              epochs=1, verbose=0)
    model.save(run / "model.keras")
    config = {"dataset": "synthetic_tfbs/gata1", "arch": "cnn", "command": "deepmotif train --arch cnn",
              "model": {"arch": "cnn", "seq_len": 24, "filters": [4, 4, 4], "kernel_sizes": [3, 3, 3]}}
    (run / "config.json").write_text(json.dumps(config))
    (run / "metrics.json").write_text(json.dumps({"test": {"auroc": 0.6, "auprc": 0.55, "n": 32}}))
    return run


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"release_url": "http://127.0.0.1:9", "models": []}))
    monkeypatch.setenv("DEEPMOTIF_MANIFEST", str(manifest))
    monkeypatch.setenv("DEEPMOTIF_EXPORTED_MODELS", str(tmp_path / "em"))
    monkeypatch.setenv("DEEPMOTIF_CACHE", str(tmp_path / "cache"))
    return tmp_path


def test_export_then_list_and_info(run_dir, isolated, capsys):
    base = isolated / "em"
    assert main(["export", str(run_dir), "--name", "gata1.cnn", "--base-dir", str(base)]) == 0
    assert main(["export", str(run_dir), "--name", "gata1.cnn", "--base-dir", str(base)]) == 0
    assert sorted(p.name for p in (base / "gata1.cnn").iterdir()) == ["1", "2"]
    assert 'name: "gata1.cnn"' in (base / "models.config").read_text()
    capsys.readouterr()

    assert main(["export", str(run_dir), "--name", "gata1.cnn", "--version", "2", "--base-dir", str(base)]) == 2
    assert "already exists" in capsys.readouterr().err

    assert main(["models", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["name"], r["version"]) for r in rows] == [("gata1.cnn", 2)]
    assert main(["models", "list"]) == 0
    assert "gata1.cnn" in capsys.readouterr().out
    assert main(["models", "info", "gata1.cnn"]) == 0
    card = json.loads(capsys.readouterr().out)["card"]
    assert card["training"]["command"] == "deepmotif train --arch cnn" and card["metrics"]["test"]["auroc"] == 0.6


@pytest.mark.parametrize("argv, message", [
    (["models", "info", "gata1.cnm"], "unknown model"),
    (["models", "pull", "../etc"], "invalid model name"),
    (["models", "pull", "a/b"], "did you mean 'a.b'"),
    (["export", "RUN", "--name", "x/../y"], "invalid model name"),
    (["finetune", "--from", "runs/../none", "--dataset", "synthetic_tfbs/tiny", "--out", "OUT"], "no such file"),
])
def test_user_errors_exit_2_with_a_message(run_dir, isolated, capsys, argv, message):
    argv = [str(run_dir) if a == "RUN" else str(isolated / "out") if a == "OUT" else a for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (isolated / "out").exists() and not (isolated / "cache").exists()


def test_pull_offline_without_a_copy_is_an_error(isolated, capsys, monkeypatch):
    manifest = {"release_url": "http://127.0.0.1:9", "models": [
        {"name": "remote_only.cnn", "version": 1, "artifacts": {"keras": {"file": "r.keras", "sha256": "0" * 64, "size": 1}}}]}
    (isolated / "manifest.json").write_text(json.dumps(manifest))
    assert main(["models", "pull", "remote_only.cnn", "--offline"]) == 2
    assert "--offline" in capsys.readouterr().err


@pytest.mark.parametrize("argv, expected", [
    (["export", "--help"], ["--name", "--version", "--base-dir", "docker run", "predict_sequences", "models.config"]),
    (["models", "pull", "--help"], ["--offline", "--keras-only", "--registry"]),
    (["models", "list", "--help"], ["--registry", "DEEPMOTIF_REGISTRY"]),
    (["finetune", "--help"], ["--from", "--dataset", "--out", "--freeze", "{conv,none}", "--epochs"]),
])
def test_help_documents_the_options(capsys, argv, expected):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert all(e in out for e in expected), out


def test_publish_exports_packs_and_writes_the_manifest(run_dir, isolated, capsys):
    from deepmotif.zoo.registry import sha256_file

    runs_root = isolated / "runs"
    (runs_root / "gata1").mkdir(parents=True)
    for f in ("model.keras", "config.json", "metrics.json"):
        (runs_root / "gata1" / f).write_bytes((run_dir / f).read_bytes())
    (runs_root / "unfinished").mkdir()
    (runs_root / "unfinished" / "config.json").write_text("{}")  # no model.keras yet: skipped
    argv = ["models", "publish", str(runs_root), "--base-dir", str(isolated / "em"),
            "--manifest", str(isolated / "manifest.json"), "--dist", str(isolated / "dist")]
    assert main(argv) == 0
    first = json.loads((isolated / "manifest.json").read_text())
    [entry] = first["models"]
    assert entry["name"] == "synthetic_gata1.cnn" and entry["version"] == 1 and entry["arch"] == "cnn"
    assert entry["metrics"]["test_auroc"] == 0.6 and entry["command"] == "deepmotif train --arch cnn"
    assert sorted(entry["artifacts"]) == ["saved_model"]  # weights stored once: no separate .keras asset
    for kind in entry["artifacts"]:
        asset = isolated / "dist" / entry["artifacts"][kind]["file"]
        assert asset.stat().st_size == entry["artifacts"][kind]["size"]
        assert sha256_file(asset) == entry["artifacts"][kind]["sha256"]
    # publishing again keeps the same version and reproduces the archive byte for byte
    assert main(argv) == 0
    assert "(kept)" in capsys.readouterr().out
    assert json.loads((isolated / "manifest.json").read_text()) == first
    assert sorted(p.name for p in (isolated / "em" / "synthetic_gata1.cnn").iterdir()) == ["1"]
