"""`deepmotif.datasets.load`: shapes, dtypes, one-hot values, shuffling, reverse complements, errors."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from deepmotif.datasets import (
    DEFAULT_DATASET,
    dataset_metadata,
    list_datasets,
    load,
    load_arrays,
    pipeline,
)
from deepmotif.core.errors import DatasetError, UnknownNameError
from deepmotif.core.sequences import one_hot, reverse_complement_tokens

TINY = "synthetic_tfbs/tiny"


@pytest.fixture(scope="module")
def data_dir(tfds_data_dir):
    pipeline.build_dataset(TINY, data_dir=tfds_data_dir)
    return tfds_data_dir


def _collect(ds):
    xs, ys = zip(*[(x.numpy(), y.numpy()) for x, y in ds])
    return np.concatenate(xs), np.concatenate(ys)


def test_batches_shapes_and_values(data_dir):
    ds = load(TINY, "train", batch_size=64, data_dir=data_dir, shuffle=False)
    assert ds.element_spec[0].shape.as_list() == [None, 101, 4] and ds.element_spec[0].dtype == tf.float32
    assert ds.element_spec[1].shape.as_list() == [None] and ds.element_spec[1].dtype == tf.float32
    sizes = [int(y.shape[0]) for _, y in ds]
    assert sizes[:-1] == [64] * (len(sizes) - 1) and sum(sizes) == 360
    x, y = _collect(ds)
    arrays = load_arrays(TINY, "train", data_dir=data_dir)
    np.testing.assert_array_equal(x, one_hot(arrays["tokens"]))  # stored order when not shuffled
    np.testing.assert_array_equal(y, arrays["label"].astype(np.float32))


def test_n_is_an_all_zero_row():
    tokens = np.array([[0, 1, 2, 3, 4, 4, 0], [4, 3, 2, 1, 0, 0, 0]], np.uint8)
    x, y = (t.numpy() for t in next(iter(pipeline.batches(tokens, [1, 0], batch_size=8))))
    np.testing.assert_array_equal(x, one_hot(tokens))  # same as the numpy source of truth
    assert (x[0, 4:6] == 0).all() and (x[0, :4].sum(-1) == 1).all() and x[1, 0].sum() == 0
    np.testing.assert_array_equal(y, [1.0, 0.0])
    rc, _ = next(iter(pipeline.batches(tokens, [1, 0], batch_size=8, reverse_complement="both")))
    np.testing.assert_array_equal(rc[2:], one_hot(reverse_complement_tokens(tokens)))  # N stays a zero row


def test_train_is_shuffled_every_epoch_and_seeded(data_dir):
    stored = load_arrays(TINY, "train", data_dir=data_dir)["tokens"]
    ds = load(TINY, "train", batch_size=400, data_dir=data_dir, seed=3)
    first, second = (next(iter(ds))[0].numpy() for _ in range(2))
    assert not np.array_equal(first, one_hot(stored)) and not np.array_equal(first, second)
    np.testing.assert_array_equal(np.sort(first.argmax(-1), 0), np.sort(stored, 0))  # same examples
    again = next(iter(load(TINY, "train", batch_size=400, data_dir=data_dir, seed=3)))[0].numpy()
    np.testing.assert_array_equal(first, again)
    test = next(iter(load(TINY, "test", batch_size=400, data_dir=data_dir)))[0].numpy()
    np.testing.assert_array_equal(test, one_hot(load_arrays(TINY, "test", data_dir=data_dir)["tokens"]))


def test_reverse_complement_both_and_random(data_dir):
    tokens = load_arrays(TINY, "test", data_dir=data_dir)["tokens"]
    forward, rc = one_hot(tokens), one_hot(reverse_complement_tokens(tokens))
    x, y = next(iter(load(TINY, "test", batch_size=50, reverse_complement="both", data_dir=data_dir)))
    assert x.shape == (100, 101, 4) and y.shape == (100,)
    np.testing.assert_array_equal(x[:50], forward[:50])
    np.testing.assert_array_equal(x[50:], rc[:50])
    np.testing.assert_array_equal(y[:50], y[50:])

    x, _ = _collect(load(TINY, "test", batch_size=32, reverse_complement=True, data_dir=data_dir))
    is_forward = (x == forward).all(axis=(1, 2))
    is_rc = (x == rc).all(axis=(1, 2))
    assert (is_forward | is_rc).all() and 0.3 < is_rc.mean() < 0.7
    x2, _ = _collect(load(TINY, "test", batch_size=32, reverse_complement="random", data_dir=data_dir))
    np.testing.assert_array_equal(x, x2)  # seeded


def test_bad_arguments_are_clear_errors(data_dir):
    with pytest.raises(UnknownNameError, match="Did you mean: synthetic_tfbs/gata1"):
        load("synthetic_tfbs/gata", "train", data_dir=data_dir)
    with pytest.raises(UnknownNameError, match="encode_tfbs/GATA1_K562_GATA-1_USC"):
        load("encode_tfbs/GATA1_K562_GATA1_USC", "train", data_dir=data_dir)
    with pytest.raises(UnknownNameError, match="synthetic_tfbs/gata1"):
        load("gata1", "train", data_dir=data_dir)
    with pytest.raises(UnknownNameError, match="Did you mean: train"):
        load(TINY, "trian", data_dir=data_dir)
    with pytest.raises(UnknownNameError, match="reverse_complement"):
        load(TINY, "train", reverse_complement="sometimes", data_dir=data_dir)
    with pytest.raises(DatasetError, match="batch_size"):
        load(TINY, "train", batch_size=0, data_dir=data_dir)
    with pytest.raises(DatasetError, match="no examples"):
        load(TINY, "test[:0]", data_dir=data_dir)
    with pytest.raises(DatasetError, match="only apply to user_tfbs"):
        pipeline.build_dataset(TINY, data_dir=data_dir, positives="x.fa")


def test_names_and_metadata():
    names = list_datasets()
    assert DEFAULT_DATASET in names and len([n for n in names if n.startswith("encode_tfbs/")]) == 505
    meta = dataset_metadata("encode_tfbs/GATA1_K562_GATA-1_USC")
    assert (meta["tf"], meta["cell_line"], meta["lab"], meta["seq_len"]) == ("GATA1", "K562", "USC", 101)
    assert meta["deepbind_star_auroc"] == pytest.approx(0.960, abs=1e-3)
    assert meta["deepbind_auroc"] == pytest.approx(0.954, abs=1e-3)
    grammar = dataset_metadata("synthetic_tfbs/grammar")
    assert [m["motif_name"].upper() for m in grammar["motifs"]] == ["SPI1", "CEBPB"]
    assert grammar["seq_len"] == 101 and grammar["description"]


def test_real_encode_experiment(encode_real, tfds_data_dir):
    """GATA1_K562 built from ../shared/data (by the encode tests' fixture) flows through the pipeline."""
    name = "encode_tfbs/GATA1_K562_GATA-1_USC"
    x, y = _collect(load(name, "test", batch_size=256, data_dir=tfds_data_dir))
    assert x.shape == (1000, 101, 4) and set(np.unique(y)) == {0.0, 1.0}
    assert ((x.sum(-1) == 1) | (x.sum(-1) == 0)).all()
    assert dataset_metadata(name, data_dir=tfds_data_dir)["splits"]["test"] == 1000


def test_a_mistyped_manual_dir_is_an_error_not_a_download(tmp_path):
    from deepmotif.datasets import build_dataset
    from deepmotif.core.errors import MissingFilesError

    missing = tmp_path / "no_such_folder"
    with pytest.raises(MissingFilesError, match="no_such_folder"):
        build_dataset("encode_tfbs/GATA1_K562_GATA-1_USC", manual_dir=missing, data_dir=tmp_path / "tfds")
    assert not (tmp_path / "tfds" / "encode_tfbs").exists() or not any((tmp_path / "tfds" / "encode_tfbs").rglob("*.tfrecord*"))


@pytest.mark.parametrize("config", ["nl\n", "x\ny", "sp ace", "a/b"])
def test_user_dataset_names_with_newlines_or_separators_are_refused(config):
    from deepmotif.core.errors import DatasetError
    from deepmotif.datasets.pipeline import parse_name

    with pytest.raises(DatasetError):
        parse_name(f"user_tfbs/{config}")


def test_batches_stream_from_a_memory_mapped_split(tmp_path):
    """Tokens on disk (np.load mmap_mode="r") stream batch by batch, equal to the same tokens in
    memory; every shuffled epoch is a permutation of all rows, a new one each epoch, seeded."""
    tokens = np.random.default_rng(0).integers(0, 5, (1000, 31)).astype(np.uint8)
    labels = np.arange(1000) % 2
    np.save(tmp_path / "tokens.npy", tokens)
    mapped = np.load(tmp_path / "tokens.npy", mmap_mode="r")
    x, y = _collect(pipeline.batches(mapped, labels, batch_size=96))
    np.testing.assert_array_equal(x, one_hot(tokens))
    np.testing.assert_array_equal(y, labels.astype(np.float32))

    ds = pipeline.batches(mapped, np.arange(1000), batch_size=96, shuffle=True, seed=5)
    first, second = (_collect(ds)[1].astype(int) for _ in range(2))
    assert sorted(first) == sorted(second) == list(range(1000)) and (first != second).any()
    again = _collect(pipeline.batches(mapped, np.arange(1000), batch_size=96, shuffle=True, seed=5))[1]
    np.testing.assert_array_equal(again.astype(int), first)
    x, y = _collect(pipeline.batches(mapped, np.arange(1000), batch_size=96, shuffle=True, seed=5))
    np.testing.assert_array_equal(x, one_hot(tokens[y.astype(int)]))  # each row stays with its label
