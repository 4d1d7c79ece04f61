"""`user_tfbs`: the user's FASTA files become a dataset that loads later by name alone."""

from __future__ import annotations

import collections

import numpy as np
import pytest

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


def test_negatives_of_another_length(tmp_path):
    pos = _write_fasta(tmp_path / "p.fa", _random_records(30, length=50))
    neg = _write_fasta(tmp_path / "n.fa", _random_records(30, length=40))
    with pytest.raises(SequenceFormatError, match=r"n\.fa:2: sequence length 40 differs from 50"):
        build_dataset("user_tfbs/lengths", data_dir=tmp_path, positives=str(pos), negatives=str(neg))


def test_too_few_sequences_and_unbuilt_and_rebuilt(tmp_path):
    few = _write_fasta(tmp_path / "few.fa", _random_records(2))
    with pytest.raises(DatasetError, match="empty"):
        build_dataset("user_tfbs/few", data_dir=tmp_path, positives=str(few))
    with pytest.raises(MissingFilesError, match="deepmotif data build user_tfbs/never"):
        load_arrays("user_tfbs/never", "train", data_dir=tmp_path)
    with pytest.raises(DatasetError, match="without positives"):
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
