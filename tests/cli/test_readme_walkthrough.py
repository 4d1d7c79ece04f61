"""README's "Your own data" block runs as written (peaks + genome -> fine-tune -> scan -> variants),
and its outputs agree with the synthetic genome's planted truth."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd

README = Path(__file__).resolve().parents[2] / "README.md"


def _walkthrough_block() -> str:
    text = README.read_text()
    section = text[text.index("## Your own data"):]
    return re.search(r"```bash\n(.*?)```", section, re.S).group(1)


def _overlaps(row, sites: pd.DataFrame) -> bool:
    same = sites[sites.chrom == row.chrom]
    return bool(((same.start < row.end) & (row.start < same.end)).any())


def test_readme_genome_walkthrough_runs_as_written(tmp_path):
    env = {**os.environ, "TFDS_DATA_DIR": str(tmp_path / "tfds"), "DEEPMOTIF_CACHE": str(tmp_path / "cache")}
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", _walkthrough_block()], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "my_data/peaks.narrowPeak:" in done.stdout  # left-out peaks are reported with file:line

    sites = pd.read_csv(tmp_path / "my_data/sites.bed", sep="\t", names=["chrom", "start", "end", "motif", "s", "strand"])
    hits = pd.read_csv(tmp_path / "synth_sites_hits.bed", sep="\t", names=["chrom", "start", "end", "name", "score", "strand"])
    assert len(hits) == 50 and set((hits.end - hits.start).unique()) == {101}
    on_site = np.mean([_overlaps(h, sites) for h in hits.itertuples()])
    assert on_site >= 0.5, f"only {on_site:.0%} of the top hits fall on planted sites"

    track = pd.read_csv(tmp_path / "synth_sites.bedgraph", sep="\t", skiprows=1, names=["chrom", "start", "end", "score"])
    for _, contig in track.groupby("chrom"):
        assert (contig.start.to_numpy()[1:] >= contig.end.to_numpy()[:-1]).all()  # bins never overlap

    effects = pd.read_csv(tmp_path / "synth_sites_effects.tsv", sep="\t")
    made = json.loads((tmp_path / "synth_sites_effects.tsv.json").read_text())
    assert made["assembly"] == "synth1" and made["effects"] == len(effects)
    destroying = effects[effects.id.str.startswith("destroy")].delta_logit
    far = effects[effects.id.str.startswith("far")].delta_logit
    assert len(destroying) and len(far)
    assert destroying.median() < -1.0 and far.abs().median() < 0.5

    # The exported model's card says which genome and chromosome split it was trained on.
    exported = subprocess.run(["deepmotif", "export", "runs/synth_sites", "--name", "synth_sites"], cwd=tmp_path,
                              env=env, capture_output=True, text=True, timeout=300)
    assert exported.returncode == 0, exported.stderr[-2000:]
    card = json.loads((tmp_path / "exported_models/synth_sites/1/assets.extra/model_card.json").read_text())
    assert card["training"]["assembly"] == "synth1"
    assert card["training"]["split"]["by"] == "chromosome" and card["training"]["split"]["test_chroms"] == ["chr3"]
