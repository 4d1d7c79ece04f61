"""`encode_tfbs`: real builds give the documented counts, records are reproducible, shuffles keep
dinucleotides, splits never leak, the download path works against a local server, failures are clean."""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import tarfile
import threading
from pathlib import Path

import numpy as np
import pytest
import tensorflow_datasets as tfds
from tensorflow_datasets.core.download.checksums import UrlInfo

import deepmotif.datasets.encode_tfbs.encode_tfbs_dataset_builder as encode_module
from deepmotif.datasets.encode_tfbs import Builder
from deepmotif.datasets.encode_tfbs.files import locate
from deepmotif.datasets.encode_tfbs.make_experiments_tsv import rows as reference_rows
from deepmotif.core.errors import MissingFilesError, SequenceFormatError
from deepmotif.datasets.splits import group_id

GATA1 = "GATA1_K562_GATA-1_USC"
ARID3A = "ARID3A_K562_ARID3A_-sc-8821-_Stanford"
ARID3A_EXPERIMENT = "ARID3A_K562_ARID3A_(sc-8821)_Stanford"


def arrays(builder, split: str) -> dict:
    """A whole split as numpy: `sequence (n, L) uint8`, `label (n,)`, `id (n,) str`, `is_shuffled (n,)`."""
    data = tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1))
    return {**data, "id": np.array([i.decode() for i in data["id"]])}


def dinucleotide_matrix(tokens: np.ndarray) -> np.ndarray:
    """`(n, L)` tokens -> `(n, 25)` counts of each ordered pair of the 5 tokens ACGTN."""
    pairs = tokens[:, :-1].astype(np.int64) * 5 + tokens[:, 1:]
    rows = np.repeat(np.arange(len(tokens)), pairs.shape[1])
    return np.bincount(rows * 25 + pairs.ravel(), minlength=25 * len(tokens)).reshape(len(tokens), 25)


_TOKENS = bytes.maketrans(b"ACGTNacgtn", bytes([0, 1, 2, 3, 4, 0, 1, 2, 3, 4]))


def splits_of(builder) -> dict[str, int]:
    return {name: split.num_examples for name, split in builder.info.splits.items()}


# --- the experiment table ----------------------------------------------------------------------------------------
def test_one_config_per_experiment():
    configs = {c.name: c for c in Builder.BUILDER_CONFIGS}
    assert len(configs) == len(Builder.BUILDER_CONFIGS) == 505
    assert not any(ch in name for name in configs for ch in "()")
    arid = configs[ARID3A]
    assert (arid.experiment, arid.tf, arid.cell_line, arid.lab) == (ARID3A_EXPERIMENT, "ARID3A", "K562", "Stanford")
    assert (arid.deepbind_star_auroc, arid.deepbind_auroc) == (0.88754, 0.80989)
    assert tfds.builder_cls("encode_tfbs") is Builder


def test_experiment_table_matches_deepbind_supplement(shared_data):
    expected = reference_rows(shared_data / "reference" / "encodeaucs.csv")
    assert [tuple(r.values()) for r in encode_module.read_experiments()] == expected


def test_canonical_download_is_pinned():
    info = Builder.url_infos[encode_module.CANONICAL_URL]
    assert info.checksum == "b76db7e6559dae494132ab2c1178ecf84deec5edbdc1498fa8620a4da1de4050"
    assert int(info.size) == 107_022_470


# --- real ENCODE data --------------------------------------------------------------------------------------------
def test_real_counts(encode_real):
    gata, arid = splits_of(encode_real[GATA1]), splits_of(encode_real[ARID3A])
    assert (gata["train"] + gata["validation"], gata["test"]) == (7148, 1000)
    assert (arid["train"] + arid["validation"], arid["test"]) == (17052, 1000)
    assert 0.08 < arid["validation"] / 17052 < 0.12
    assert encode_real[ARID3A].info.metadata["tf"] == "ARID3A"
    assert encode_real[GATA1].info.metadata["seq_len"] == 101


@pytest.mark.parametrize("config", [GATA1, ARID3A])
def test_real_records_are_reproducible_and_do_not_leak(encode_real, shared_data, config):
    built = {split: arrays(encode_real[config], split) for split in ("train", "validation", "test")}
    cfg = encode_real[config].builder_config
    fresh = encode_module.experiment_records(locate([shared_data / "encode"], cfg.experiment, cfg.name))
    for split, data in built.items():
        got = sorted(zip(data["id"], map(bytes, data["sequence"]), data["label"], data["is_shuffled"]))
        want = sorted((r.id, r.sequence.encode().translate(_TOKENS), r.label, r.is_shuffled) for r in fresh[split])
        assert got == want, split
    train_groups = {group_id(i) for i in built["train"]["id"]}
    validation_groups = {group_id(i) for i in built["validation"]["id"]}
    assert not train_groups & validation_groups
    for split in ("train", "validation"):  # every shuffle sits with its own peak
        ids = set(built[split]["id"])
        assert all(i.removesuffix("_shuf") in ids for i in ids if i.endswith("_shuf"))


def test_real_shuffles_keep_dinucleotide_counts(encode_real):
    parts = [arrays(encode_real[ARID3A], split) for split in ("train", "validation")]
    ids = np.concatenate([p["id"] for p in parts])
    tokens = np.concatenate([p["sequence"] for p in parts])
    shuffled = np.concatenate([p["is_shuffled"] for p in parts])
    row = {i: k for k, i in enumerate(ids)}
    neg = np.flatnonzero(shuffled)
    pos = np.array([row[ids[k].removesuffix("_shuf")] for k in neg])
    assert len(neg) == len(pos) == 8526
    assert (dinucleotide_matrix(tokens[neg]) == dinucleotide_matrix(tokens[pos])).all()
    assert (tokens[neg][:, [0, -1]] == tokens[pos][:, [0, -1]]).all()
    assert (tokens[neg] != tokens[pos]).any(axis=1).mean() > 0.99


# --- dummy data: no real files needed ------------------------------------------------------------------------------
def test_dummy_builds_in_both_file_schemes(build_encode, encode_dummy_dir, tmp_path):
    gata = build_encode(GATA1, encode_dummy_dir, tmp_path)  # DeMo train.fa/test.fa
    arid = build_encode(ARID3A, encode_dummy_dir, tmp_path)  # DeepBind _AC/_B.seq.gz, shuffles made
    g, a = splits_of(gata), splits_of(arid)
    assert (g["train"] + g["validation"], g["test"]) == (40, 10)
    assert (a["train"] + a["validation"], a["test"]) == (60, 10)
    train = arrays(arid, "train")
    assert train["is_shuffled"].sum() == (train["label"] == 0).sum() > 0
    assert train["sequence"].dtype == np.uint8 and train["sequence"].shape[1] == 101


def test_test_only_experiment_builds_the_test_split(build_encode, encode_dummy_dir, tmp_path):
    manual = tmp_path / "manual" / GATA1
    manual.mkdir(parents=True)
    shutil.copy(encode_dummy_dir / GATA1 / "test.fa", manual / "test.fa")
    builder = build_encode(GATA1, tmp_path / "manual", tmp_path / "data")
    assert splits_of(builder) == {"test": 10}


def test_missing_files_lists_every_path_looked_for(build_encode, tmp_path):
    manual = tmp_path / "manual"
    manual.mkdir()
    (manual / "unrelated.txt").write_text("not an experiment\n")
    with pytest.raises(MissingFilesError) as info:
        build_encode(ARID3A, manual, tmp_path / "data")
    searched = "\n".join(info.value.searched)
    for expected in (f"{ARID3A}/train.fa", f"{ARID3A}/test.fa", f"{ARID3A_EXPERIMENT}_AC.seq.gz", f"{ARID3A_EXPERIMENT}_B.seq.gz"):
        assert f"{manual}/**/{expected}" in searched
    assert str(manual) in str(info.value)
    assert not (tmp_path / "data" / "encode_tfbs" / ARID3A / "1.0.0").exists()


def _no_dataset_left(data_dir: Path, config: str) -> bool:
    config_dir = data_dir / "encode_tfbs" / config
    return not config_dir.exists() or not any(config_dir.iterdir())


def test_bad_file_fails_the_build_and_leaves_nothing(build_encode, encode_dummy_dir, tmp_path):
    manual = tmp_path / "manual" / GATA1
    shutil.copytree(encode_dummy_dir / GATA1, manual)
    lines = (manual / "train.fa").read_text().splitlines()
    lines[7] = lines[7][:50] + "X" + lines[7][51:]  # line 8: a sequence
    (manual / "train.fa").write_text("\n".join(lines) + "\n")
    with pytest.raises(SequenceFormatError) as info:
        build_encode(GATA1, tmp_path / "manual", tmp_path / "data")
    assert info.value.line == 8 and "'X' at column 51" in info.value.problem
    assert _no_dataset_left(tmp_path / "data", GATA1)


def test_failure_while_writing_leaves_nothing(build_encode, encode_dummy_dir, tmp_path, monkeypatch):
    calls, original = [], encode_module.example_from_record

    def failing(record, **extra):
        calls.append(record)
        if len(calls) == 25:  # mid-way through the train split
            raise RuntimeError("disk full")
        return original(record, **extra)

    monkeypatch.setattr(encode_module, "example_from_record", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        build_encode(GATA1, encode_dummy_dir, tmp_path / "data")
    assert len(calls) == 25 and _no_dataset_left(tmp_path / "data", GATA1)
    monkeypatch.undo()
    assert splits_of(build_encode(GATA1, encode_dummy_dir, tmp_path / "data"))["test"] == 10


# --- the download path, against a server on 127.0.0.1 ------------------------------------------------------------
class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serving(directory: Path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def archive_dir(tmp_path, encode_dummy_dir) -> Path:
    """A `deepbind.tar.gz` laid out like the DeMo archive (`deepbind/<experiment>/{train,test}.fa`)."""
    served = tmp_path / "served"
    served.mkdir()
    with tarfile.open(served / "deepbind.tar.gz", "w:gz") as tar:
        tar.add(encode_dummy_dir / GATA1, arcname=f"deepbind/{GATA1}")
    return served


def test_download_and_extract_when_manual_dir_is_empty(build_encode, archive_dir, tmp_path, monkeypatch):
    with serving(archive_dir) as base:
        monkeypatch.setenv(encode_module.URL_ENV, f"{base}/deepbind.tar.gz")
        builder = build_encode(GATA1, None, tmp_path / "data")
    counts = splits_of(builder)
    assert (counts["train"] + counts["validation"], counts["test"]) == (40, 10)


def test_download_checksum_is_enforced(build_encode, archive_dir, tmp_path, monkeypatch):
    with serving(archive_dir) as base:
        url = f"{base}/deepbind.tar.gz"
        monkeypatch.setenv(encode_module.URL_ENV, url)
        size = (archive_dir / "deepbind.tar.gz").stat().st_size
        monkeypatch.setattr(Builder, "url_infos", {url: UrlInfo(size=size, checksum="0" * 64, filename="deepbind.tar.gz")})
        with pytest.raises(encode_module.DownloadError, match="(?i)checksum") as info:
            build_encode(GATA1, None, tmp_path / "data")
    assert url in str(info.value)
    assert _no_dataset_left(tmp_path / "data", GATA1)


@pytest.mark.parametrize("served_bytes", [b"this is not a gzip archive\n" * 10, None])
def test_corrupt_or_absent_archive_gives_a_clear_error(build_encode, tmp_path, monkeypatch, served_bytes):
    served = tmp_path / "served"
    served.mkdir()
    if served_bytes is not None:
        (served / "deepbind.tar.gz").write_bytes(served_bytes)
    with serving(served) as base:
        url = f"{base}/deepbind.tar.gz"
        monkeypatch.setenv(encode_module.URL_ENV, url)
        with pytest.raises(encode_module.DownloadError) as info:
            build_encode(GATA1, tmp_path / "empty-manual-dir", tmp_path / "data")
    assert url in str(info.value) and "manual_dir" in str(info.value)
    assert _no_dataset_left(tmp_path / "data", GATA1)
