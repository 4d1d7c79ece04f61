"""`models.config` is TF Serving's ModelServerConfig proto, written and read with text_format."""

from __future__ import annotations

from pathlib import Path

import pytest
from google.protobuf import text_format
from tensorflow_serving.config import model_server_config_pb2

from deepmotif.zoo import serving_config
from deepmotif.zoo.model_names import ModelNameError

REPO = Path(__file__).resolve().parents[2]


def _version(base: Path, name: str, version: int = 1) -> None:
    """A folder that counts as a complete version (what `versions` looks for)."""
    folder = base / name / str(version)
    folder.mkdir(parents=True)
    (folder / "saved_model.pb").write_bytes(b"")


def _parse(text: str):
    return text_format.Parse(text, model_server_config_pb2.ModelServerConfig())


def test_written_file_parses_and_serves_each_model_newest_version(tmp_path):
    for name in ("b.cnn", "a.cnn_rnn"):
        _version(tmp_path, name)
    _version(tmp_path, "a.cnn_rnn", 2)
    (tmp_path / "no_versions_yet").mkdir()
    path = serving_config.write_models_config(tmp_path, serving_root="/models/")
    config = _parse(path.read_text())
    assert [(c.name, c.base_path, c.model_platform) for c in config.model_config_list.config] == [
        ("a.cnn_rnn", "/models/a.cnn_rnn", "tensorflow"), ("b.cnn", "/models/b.cnn", "tensorflow")]
    assert all(c.model_version_policy.latest.num_versions == 1 for c in config.model_config_list.config)
    assert serving_config.read_models_config(path) == config
    assert path.read_text().startswith("# Written by `deepmotif export`")


@pytest.mark.parametrize("name", ['a\nb', 'x"\n  config { name: "injected"', "a}", "../up", "nl\n"])
def test_a_name_that_could_break_the_file_never_gets_in(tmp_path, name):
    with pytest.raises(ModelNameError):
        serving_config.models_config_text([name])
    _version(tmp_path, "good.cnn")
    try:
        _version(tmp_path, name)
    except OSError:  # a name the file system refuses cannot get in either
        pass
    text = serving_config.write_models_config(tmp_path).read_text()
    assert [c.name for c in _parse(text).model_config_list.config] == ["good.cnn"]


def test_committed_models_config_parses_and_matches_the_folders():
    path = REPO / "exported_models" / serving_config.CONFIG_FILE
    if not path.is_file():
        pytest.skip("committed exported_models/ not present")
    names = [c.name for c in serving_config.read_models_config(path).model_config_list.config]
    assert names == serving_config.served_models(path.parent) and len(names) >= 33
