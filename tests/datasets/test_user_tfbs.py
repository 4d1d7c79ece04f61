"""`user_tfbs`: the user's FASTA files become a dataset that loads later by name alone."""

from __future__ import annotations

import collections

import numpy as np
import pytest

from deepmotif.cli.main import main
from deepmotif.datasets import build_dataset, dataset_metadata, load_arrays, pipeline
from deepmotif.core.errors import DatasetError, MissingFilesError, SequenceFormatError
from deepmotif.datasets.readers import read_demo_fasta
from deepmotif.core.sequences import detokenize


def _write_fasta(path, records, width=60):
    """`records`: (id, sequence); sequences wrapped at `width` to exercise multi-line FASTA."""
    lines = []
    for name, seq in records:
        lines.append(f">{name}")
        lines += [seq[i : i + width] for i in range(0, len(seq), width)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _random_records(n, length=80, seed=0, prefix="peak"):
    rng = np.random.default_rng(seed)
    return [(f"{prefix}{i}", "".join(rng.choice(list("ACGTacgt"), length))) for i in range(n)]


def _dinucleotides(seq):
    seq = seq.upper()
    return collections.Counter(seq[i : i + 2] for i in range(len(seq) - 1))


def test_positives_only_gets_shuffles_and_hashed_splits(tmp_path):
    records = _random_records(150)
    fasta = _write_fasta(tmp_path / "peaks.fa", records)
    data_dir = tmp_path / "tfds"
    build_dataset("user_tfbs/mytf", data_dir=data_dir, positives=str(fasta))
    # Read back by name alone: the same path a new process takes (tfds.builder_from_directory).
    splits = {s: load_arrays("user_tfbs/mytf", s, data_dir=data_dir) for s in ("train", "validation", "test")}
    assert sum(len(a["label"]) for a in splits.values()) == 300
    assert all(len(a["label"]) > 0 for a in splits.values())
    assert 10 <= len(splits["test"]["label"]) <= 60
    by_id = dict(records)
    for arrays in splits.values():
        columns = (arrays["tokens"], arrays["label"], arrays["id"], arrays["is_shuffled"])
        for tokens, label, name, shuffled in zip(*columns):
            peak = name.removesuffix("_shuf")
            assert shuffled == (label == 0) == name.endswith("_shuf")
            original = by_id[peak].upper()
            if label == 1:
                assert detokenize(tokens) == original
            else:
                assert _dinucleotides(detokenize(tokens)) == _dinucleotides(original)
            # a peak and its shuffle are always in the same split
            assert (peak in arrays["id"]) and (peak + "_shuf" in arrays["id"])
    meta = dataset_metadata("user_tfbs/mytf", data_dir=data_dir)
    assert meta["positives"] == str(fasta) and meta["seq_len"] == 80 and meta["splits"]["test"] > 0
    assert "user_tfbs/mytf" in pipeline.list_datasets(data_dir)


def test_given_negatives_and_test_files(tmp_path):
    files = {
        "positives": _write_fasta(tmp_path / "p.fa", _random_records(60, seed=1)),
        "negatives": _write_fasta(tmp_path / "n.fa", _random_records(90, seed=2, prefix="bg")),
        "test_positives": _write_fasta(tmp_path / "tp.fa", _random_records(20, seed=3, prefix="tp")),
    }
    build_dataset("user_tfbs/given", data_dir=tmp_path, **{k: str(v) for k, v in files.items()})
    test = load_arrays("user_tfbs/given", "test", data_dir=tmp_path)
    assert len(test["label"]) == 40 and test["label"].sum() == 20  # test positives + their shuffles
    train = load_arrays("user_tfbs/given", "train", data_dir=tmp_path)
    validation = load_arrays("user_tfbs/given", "validation", data_dir=tmp_path)
    assert len(train["label"]) + len(validation["label"]) == 150
    assert not np.concatenate([train["is_shuffled"], validation["is_shuffled"]]).any()


def test_real_encode_peaks(shared_data, tmp_path):
    """GATA1_K562 peaks from the DeMo train.fa, written out as a plain FASTA."""
    train = read_demo_fasta(shared_data / "encode" / "GATA1_K562_GATA-1_USC" / "train.fa")
    records = [r for r in train if r.label][:300]
    fasta = _write_fasta(tmp_path / "gata1_peaks.fa", [(f"gata1_{i}", r.sequence) for i, r in enumerate(records)])
    build_dataset("user_tfbs/gata1_real", data_dir=tmp_path, positives=str(fasta))
    arrays = {s: load_arrays("user_tfbs/gata1_real", s, data_dir=tmp_path) for s in ("train", "validation", "test")}
    assert sum(len(a["label"]) for a in arrays.values()) == 600
    assert {a["tokens"].shape[1] for a in arrays.values()} == {101}
    peaks = {detokenize(t) for a in arrays.values() for t, y in zip(a["tokens"], a["label"]) if y}
    assert peaks == {r.sequence.upper() for r in records}


def test_bad_character_names_file_and_line_and_leaves_nothing(tmp_path):
    fasta = tmp_path / "bad.fa"
    fasta.write_text(">a\nACGTACGT\n>b\nACGTXCGT\n")
    with pytest.raises(SequenceFormatError, match=r"bad\.fa:4: character 'X'"):
        build_dataset("user_tfbs/bad", data_dir=tmp_path / "tfds", positives=str(fasta))
    left = tmp_path / "tfds" / "user_tfbs" / "bad"
    assert not any(p.is_file() for p in left.rglob("*"))  # no half-built dataset
    with pytest.raises(MissingFilesError):
        load_arrays("user_tfbs/bad", "train", data_dir=tmp_path / "tfds")


def test_negatives_of_another_length_are_padded_and_counted(tmp_path):
    pos = _write_fasta(tmp_path / "p.fa", _random_records(30, length=50))
    neg = _write_fasta(tmp_path / "n.fa", _random_records(30, length=40))
    build_dataset("user_tfbs/lengths", data_dir=tmp_path, positives=str(pos), negatives=str(neg), assembly="hg38")
    meta = dataset_metadata("user_tfbs/lengths", data_dir=tmp_path)
    assert meta["seq_len"] == 50 and meta["assembly"] == "hg38"
    assert meta["build_report"]["resized"] == {str(neg): {"cropped": 0, "padded": 30}}
    arrays = [load_arrays("user_tfbs/lengths", s, data_dir=tmp_path) for s in ("train", "validation", "test")]
    by_id = dict(_random_records(30, length=40))  # as written to n.fa
    for a in arrays:
        for tokens, name, label in zip(a["tokens"], a["id"], a["label"]):
            if label == 0:  # 5 N, the 40 bases, 5 N: centred as genome windows are
                assert detokenize(tokens) == "N" * 5 + by_id[name].upper() + "N" * 5


def test_mixed_lengths_centre_cropped_or_padded_to_seq_len(tmp_path, capsys):
    rng = np.random.default_rng(4)
    lengths = [101] * 40 + [150] * 25 + [90] * 15  # 25 longer, 15 shorter than 101
    records = [(f"m{i}", "".join(rng.choice(list("ACGT"), n))) for i, n in enumerate(lengths)]
    fasta = _write_fasta(tmp_path / "mixed.fa", records)
    assert main(["data", "build", "user_tfbs/mixed", "--positives", str(fasta), "--data-dir", str(tmp_path)]) == 0
    assert f"{fasta}: 25 centre-cropped, 15 N-padded to 101 bp" in capsys.readouterr().out
    by_id = dict(records)
    for split in ("train", "validation", "test"):
        a = load_arrays("user_tfbs/mixed", split, data_dir=tmp_path)
        assert a["tokens"].shape[1] == 101
        for tokens, name, label in zip(a["tokens"], a["id"], a["label"]):
            original = by_id[name.removesuffix("_shuf")]
            if label == 1 and len(original) == 150:
                assert detokenize(tokens) == original[75 - 50 : 75 + 51]  # centre 75 at index 50
            if label == 1 and len(original) == 90:
                assert detokenize(tokens) == "N" * 5 + original + "N" * 6
    build_dataset("user_tfbs/mixed61", data_dir=tmp_path, positives=str(fasta), seq_len=61)
    assert dataset_metadata("user_tfbs/mixed61", data_dir=tmp_path)["build_report"]["resized"] == {
        str(fasta): {"cropped": 80, "padded": 0}}


def test_too_few_sequences_and_unbuilt_and_rebuilt(tmp_path):
    few = _write_fasta(tmp_path / "few.fa", _random_records(2))
    with pytest.raises(DatasetError, match="empty"):
        build_dataset("user_tfbs/few", data_dir=tmp_path, positives=str(few))
    with pytest.raises(MissingFilesError, match="deepmotif data build user_tfbs/never"):
        load_arrays("user_tfbs/never", "train", data_dir=tmp_path)
    with pytest.raises(DatasetError, match="without peaks or positives"):
        build_dataset("user_tfbs/never", data_dir=tmp_path, negatives=str(few))

    first = _write_fasta(tmp_path / "a.fa", _random_records(100, seed=5))
    second = _write_fasta(tmp_path / "b.fa", _random_records(120, seed=6))
    build_dataset("user_tfbs/redo", data_dir=tmp_path, positives=str(first))
    build_dataset("user_tfbs/redo", data_dir=tmp_path, positives=str(first))  # same files: reused
    with pytest.raises(DatasetError, match="--overwrite"):
        build_dataset("user_tfbs/redo", data_dir=tmp_path, positives=str(second))
    build_dataset("user_tfbs/redo", data_dir=tmp_path, positives=str(second), overwrite=True)
    assert dataset_metadata("user_tfbs/redo", data_dir=tmp_path)["positives"] == str(second)
    assert sum(dataset_metadata("user_tfbs/redo", data_dir=tmp_path)["splits"].values()) == 240
