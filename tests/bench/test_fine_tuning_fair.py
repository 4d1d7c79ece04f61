"""bench/fine_tuning_fair.py keeps the runs of each source apart, so a republished source is measured afresh."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import fine_tuning_fair  # noqa: E402
from deepmotif.zoo.model_loading import ModelSource  # noqa: E402


def test_each_published_version_and_each_run_gets_its_own_run_folder(tmp_path):
    version_2 = ModelSource("export", tmp_path / "GATA1_K562_GATA-1_USC.cnn" / "2", name="GATA1_K562_GATA-1_USC.cnn")
    version_4 = ModelSource("export", tmp_path / "GATA1_K562_GATA-1_USC.cnn" / "4", name="GATA1_K562_GATA-1_USC.cnn")
    run = ModelSource("run", tmp_path / "runs" / "gata1_cnn")

    labels = [fine_tuning_fair.source_label(s) for s in (version_2, version_4, run)]

    assert labels == ["GATA1_K562_GATA-1_USC.cnn-v2", "GATA1_K562_GATA-1_USC.cnn-v4", "gata1_cnn"]
