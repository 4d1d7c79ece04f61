"""Finding ENCODE files under a manual dir: symlink loops end (each real folder is walked once) and
an existing but empty manual dir is an error listing what was expected, never a download."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from deepmotif.core.errors import MissingFilesError
from deepmotif.datasets.encode_tfbs.files import locate, walk

DUMMY = Path(__file__).resolve().parents[2] / "datasets" / "encode_tfbs" / "dummy_data" / "encode"
EXPERIMENT, CONFIG = "GATA1_K562_GATA-1_USC", "GATA1_K562_GATA-1_USC"


def _looped_manual_dir(root: Path) -> Path:
    """The dummy GATA1 files, plus two links back to the root (2**40 paths for a plain os.walk)."""
    manual = root / "manual"
    shutil.copytree(DUMMY / CONFIG, manual / "nested" / CONFIG)
    os.symlink(manual, manual / "loop")
    os.symlink(manual, manual / "nested" / "back")
    os.symlink(manual / "nested", manual / "nested" / CONFIG / "up")
    return manual


def test_walk_visits_each_real_folder_once(tmp_path):
    manual = _looped_manual_dir(tmp_path)
    visited = [Path(here) for here, _, _ in walk(manual)]
    assert len(visited) == len({p.resolve() for p in visited}) == 3  # manual, nested, nested/GATA1...
    files = locate([manual], EXPERIMENT, CONFIG)
    assert files.train.name == "train.fa" and files.test.name == "test.fa"


def _deepmotif(*args, timeout=120):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run([sys.executable, "-m", "deepmotif.cli.main", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


def test_data_list_and_build_end_on_a_symlink_loop(tmp_path):
    manual = _looped_manual_dir(tmp_path)
    listed = _deepmotif("data", "list", "GATA1_K562", "--manual-dir", str(manual), "--data-dir", str(tmp_path / "d"))
    assert listed.returncode == 0, listed.stderr[-2000:]
    row = next(line for line in listed.stdout.splitlines() if line.startswith(f"encode_tfbs/{CONFIG} "))
    assert row.split()[1] == "files"
    built = _deepmotif("data", "build", f"encode_tfbs/{CONFIG}", "--manual-dir", str(manual),
                       "--data-dir", str(tmp_path / "d"))
    assert built.returncode == 0, built.stderr[-2000:]
    assert "test" in built.stdout and "prepared in" in built.stdout


def test_empty_manual_dir_is_an_error_not_a_download(tmp_path, monkeypatch):
    from deepmotif.datasets.pipeline import build_dataset

    # A download would go here and fail slowly; the error must come first, from the empty folder.
    monkeypatch.setenv("DEEPMOTIF_ENCODE_URL", "http://127.0.0.1:9/never.tar.gz")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(MissingFilesError, match="holds no files") as err:
        build_dataset(f"encode_tfbs/{CONFIG}", manual_dir=empty, data_dir=tmp_path / "d")
    assert f"{empty}/**/{CONFIG}/test.fa" in err.value.searched
    assert not (tmp_path / "d" / "downloads").exists()
