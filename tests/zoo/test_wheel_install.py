"""A non-editable install (the wheel) finds the published models offline, outside any checkout."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NAME = "GATA1_K562_GATA-1_USC.cnn"
VERSION = str(next((m["version"] for m in json.loads((REPO / "zoo" / "published_models.json").read_text())["models"]
                    if m["name"] == NAME), ""))  # the published version, which the wheel must carry
SOURCES = ["pyproject.toml", "README.md", "core", "cli", "zoo", "datasets", "interpret", "exported_models"]

PROBE = f"""
import sys
import numpy as np
import deepmotif.zoo.registry as registry
from deepmotif.cli.main import main
from deepmotif.zoo import load

site = sys.argv[1]
assert registry.__file__.startswith(site), registry.__file__  # the wheel's copy, not the checkout's
assert main(["models", "pull", "{NAME}", "--offline"]) == 0
model = load("{NAME}", offline=True)
x = np.eye(4, dtype="float32")[np.random.default_rng(0).integers(0, 4, (3, model.input_shape[1] or 101))]
print("probabilities", model.predict(x, verbose=0).ravel().round(4).tolist())
"""


@pytest.mark.skipif(not (REPO / "exported_models" / NAME).is_dir(), reason="committed exported_models/ not present")
@pytest.mark.skipif(importlib.util.find_spec("wheel") is None, reason="building a wheel needs the `wheel` package")
def test_wheel_install_resolves_published_models_offline(tmp_path):
    source = tmp_path / "source"  # build from a copy: pip's in-tree build would write build/ into the repo
    source.mkdir()
    for name in SOURCES:
        copy = shutil.copytree if (REPO / name).is_dir() else shutil.copy2
        kwargs = {"ignore": shutil.ignore_patterns("__pycache__", "*.pyc", ".*")} if (REPO / name).is_dir() else {}
        copy(REPO / name, source / name, **kwargs)
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run(pip + ["wheel", str(source), "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "dist")],
                   check=True, capture_output=True)
    (wheel,) = (tmp_path / "dist").glob("deepmotif_zoo-*.whl")
    site = tmp_path / "site"
    subprocess.run(pip + ["install", "--no-deps", "--no-compile", "--target", str(site), str(wheel)],
                   check=True, capture_output=True)
    assert (site / "deepmotif" / "exported_models" / NAME / VERSION / "saved_model.pb").is_file()

    outside = tmp_path / "elsewhere"  # no exported_models/ here, and the repository is not on the path
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEEPMOTIF_")}
    env.update(PYTHONPATH=str(site), DEEPMOTIF_CACHE=str(tmp_path / "cache"), TF_CPP_MIN_LOG_LEVEL="3",
               DEEPMOTIF_REGISTRY="http://127.0.0.1:9/nothing-listens-here")
    done = subprocess.run([sys.executable, "-c", PROBE, str(site)], cwd=outside, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    installed = site / "deepmotif" / "exported_models" / NAME / VERSION
    assert f"{NAME}: SavedModel {installed}" in done.stdout
    assert "probabilities" in done.stdout
    assert not (tmp_path / "cache").exists(), "the installed copy was used, nothing fetched or cached"
