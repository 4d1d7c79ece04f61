"""The committed registry manifest matches the committed artifacts a user will pull or serve."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MANIFEST = json.loads((REPO / "zoo" / "published_models.json").read_text())


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_manifest_lists_three_architectures_for_at_least_six_encode_experiments():
    encode = {}
    for entry in MANIFEST["models"]:
        if entry["dataset"].startswith("encode_tfbs/"):
            encode.setdefault(entry["dataset"], set()).add(entry["arch"])
    full = [d for d, archs in encode.items() if archs == {"cnn", "rnn", "cnn_rnn"}]
    assert len(full) >= 6, encode


@pytest.mark.parametrize("entry", MANIFEST["models"], ids=lambda e: e["name"])
def test_each_entry_points_at_its_committed_version(entry, tmp_path):
    from deepmotif.zoo.publish import pack_saved_model

    version_dir = REPO / entry["path"]
    assert version_dir.name == str(entry["version"]) and (version_dir / "saved_model.pb").is_file()
    versions = [p.name for p in version_dir.parent.iterdir() if p.name.isdigit()]
    assert max(map(int, versions)) == entry["version"]  # TF Serving serves the highest version
    saved_model = entry["artifacts"]["saved_model"]
    assert saved_model["path"] == entry["path"]
    if "keras" in entry["artifacts"]:  # versions exported before keras_model.json also ship a .keras file
        keras_file = REPO / entry["artifacts"]["keras"]["path"]
        assert _sha256(keras_file) == entry["artifacts"]["keras"]["sha256"]
        assert keras_file.stat().st_size == entry["artifacts"]["keras"]["size"]
    else:
        # the release asset is a byte-reproducible archive of the committed folder: packing it again gives the
        # bytes whose digest the manifest carries (what `models pull` checks). Versions published before this
        # packing (the ones with a .keras file) were packed by an earlier archiver and are checked above.
        archive = pack_saved_model(version_dir, tmp_path / saved_model["file"])
        assert (_sha256(archive), archive.stat().st_size) == (saved_model["sha256"], saved_model["size"])
    card = json.loads((version_dir / "assets.extra" / "model_card.json").read_text())
    assert card["architecture"] == entry["arch"]
    assert card["metrics"]["test"]["auroc"] == pytest.approx(entry["metrics"]["test_auroc"])


def test_models_config_lists_every_published_model():
    config = (REPO / "exported_models" / "models.config").read_text()
    for entry in MANIFEST["models"]:
        assert f'name: "{entry["name"]}"' in config
