"""`deepmotif demo`, the README's main command, end to end on the tiny synthetic config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest



def main(argv: list[str]) -> int:
    """`deepmotif ARGV`, in process."""
    from deepmotif.cli.main import main as cli_main

    return cli_main(argv)


REPO_MODELS = Path(__file__).resolve().parents[2] / "exported_models"


def _listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.is_dir() else []


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "demo_out"
    before = _listing(REPO_MODELS)
    rc = main(["demo", "--out", str(out), "--dataset", "synthetic_tfbs/tiny", "--epochs", "1",
               "--optimization-steps", "10"])
    assert rc == 0
    assert _listing(REPO_MODELS) == before  # the repo's exported_models/ is left alone
    return out


def test_demo_leaves_data_runs_servable_models_and_the_dashboard(demo, capsys):
    for arch in ("cnn", "rnn", "cnn_rnn"):
        run = demo / "runs" / arch
        config = json.loads((run / "config.json").read_text())
        assert (config["dataset"], config["arch"], config["epochs"]) == ("synthetic_tfbs/tiny", arch, 1)
        assert 0.0 <= json.loads((run / "metrics.json").read_text())["test"]["auroc"] <= 1.0
        version = demo / "exported_models" / f"tiny_{arch}" / "1"
        assert (version / "saved_model.pb").is_file()
        assert (version / "assets.extra" / "model_card.json").is_file()
    config = (demo / "exported_models" / "models.config").read_text()
    assert all(f'name: "tiny_{arch}"' in config for arch in ("cnn", "rnn", "cnn_rnn"))
    summary = json.loads((demo / "dashboard" / "dashboard.json").read_text())
    assert [m["exported"] for m in summary["models"]] == [
        str((demo / "exported_models" / f"tiny_{arch}" / "1").resolve()) for arch in ("cnn", "rnn", "cnn_rnn")]
    assert all(m["card"]["name"] == f"tiny_{m['arch']}" for m in summary["models"])
    assert (demo / "dashboard" / "index.html").is_file()
    assert sorted(p.name for p in demo.parent.iterdir()) == ["demo_out"]  # nothing written beside --out


def test_demo_rerun_reuses_finished_runs_and_exports(demo, capsys):
    model = demo / "runs" / "cnn" / "model.keras"
    saved = demo / "exported_models" / "tiny_cnn" / "1" / "saved_model.pb"
    before = (model.stat().st_mtime_ns, saved.stat().st_mtime_ns)
    capsys.readouterr()
    assert main(["demo", "--out", str(demo), "--dataset", "synthetic_tfbs/tiny", "--epochs", "1",
                 "--optimization-steps", "10"]) == 0
    printed = capsys.readouterr().out
    assert "cnn: reusing the finished run" in printed
    assert (model.stat().st_mtime_ns, saved.stat().st_mtime_ns) == before
    assert not (demo / "exported_models" / "tiny_cnn" / "2").exists()
    assert f"Deep Motif Dashboard: {(demo / 'dashboard' / 'index.html').resolve()}" in printed


def test_demo_rejects_a_dataset_it_cannot_build_alone(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--epochs", "0"]) == 2
    assert "--epochs must be at least 1" in capsys.readouterr().err
    from deepmotif.core.errors import UnknownNameError
    from deepmotif.cli.demo import run_demo

    with pytest.raises(UnknownNameError, match="Did you mean: synthetic_tfbs/grammar"):
        run_demo(tmp_path, dataset="synthetic_tfbs/gramar")
