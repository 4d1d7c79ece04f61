"""bench/published_table.py: exported_models/README.md's table follows the manifest."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import published_table  # noqa: E402


def _entry(name, version, auroc, ci=None, seeds=None, star=None):
    metrics = {"test_auroc": auroc, "deepbind_star_auroc": star, "deepbind_auroc": None}
    if ci:
        metrics["test_auroc_ci"] = ci
    if seeds:
        metrics.update(seeds=seeds, published_seed=seeds[1], seeds_test_auroc_mean=0.9676,
                       seeds_test_auroc_sd=0.0021)
    return {"name": name, "version": version, "metrics": metrics}


def test_rows_per_experiment_encode_first_and_seeded_cells_carry_the_seeds_mean():
    manifest = {"models": [
        _entry("synthetic_gata1.cnn", 2, 0.859, [0.835, 0.881]),
        _entry("GATA1_K562_GATA-1_USC.cnn_rnn", 4, 0.9701, [0.9618, 0.9787], seeds=[0, 1, 2], star=0.96),
        _entry("GATA1_K562_GATA-1_USC.rnn", 3, 0.7871, star=0.96),
    ]}

    lines = published_table.render(manifest).splitlines()

    assert lines[0] == "| model (`<name>.<arch>`) | cnn | cnn_rnn | rnn | DeepBind* | DeepBind |"
    assert lines[2] == ("| `GATA1_K562_GATA-1_USC` | - | 0.970 [0.962, 0.979] (v4; seed 1 published; 3 seeds 0.968 ± 0.002) "
                        "| 0.787 (v3) | 0.960 | - |")
    assert lines[3] == "| `synthetic_gata1` | 0.859 [0.835, 0.881] (v2) | - | - | - | - |"
    assert len(lines) == 4


def test_the_readme_is_rewritten_between_its_markers_and_check_finds_a_stale_table(tmp_path, capsys):
    manifest = tmp_path / "published_models.json"
    manifest.write_text(json.dumps({"models": [_entry("synthetic_rest.rnn", 2, 0.992)]}))
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n\n{published_table.START}\n| old |\n{published_table.END}\n\nafter\n")
    args = ["--manifest", str(manifest), "--readme", str(readme)]

    assert published_table.main(args + ["--check"]) == 1
    assert published_table.main(args) == 0
    assert published_table.main(args + ["--check"]) == 0
    text = readme.read_text()
    assert text.startswith("intro\n\n") and text.endswith("\n\nafter\n") and "| old |" not in text
    assert "| `synthetic_rest` | - | - | 0.992 (v2) | - | - |" in text


def test_a_readme_without_the_markers_is_refused(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("no table here\n")
    with pytest.raises(SystemExit, match="markers"):
        published_table.main(["--readme", str(readme)])


def test_the_committed_readme_matches_the_committed_manifest():
    assert published_table.main(["--check"]) == 0
