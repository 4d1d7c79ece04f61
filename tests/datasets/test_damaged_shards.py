"""A prepared dataset whose shard was cut short on disk (a full disk, a killed copy) is detected
when read, with a message that says how to rebuild it; the rebuilt dataset reads whole again."""

import pytest
import tensorflow as tf

from deepmotif.core.errors import DatasetError
from deepmotif.datasets.pipeline import build_dataset, load, load_arrays

TINY = "synthetic_tfbs/tiny"


def _shard(data_dir, split):
    (path,) = (data_dir / "synthetic_tfbs" / "tiny" / "1.0.0").glob(f"*-{split}.tfrecord-*")
    return path


def test_truncated_shards_say_rebuild(tmp_path):
    build_dataset(TINY, data_dir=tmp_path)
    train = _shard(tmp_path, "train")
    train.write_bytes(train.read_bytes()[: train.stat().st_size // 2])  # cut inside a record
    with pytest.raises(DatasetError, match=r"split 'train'.*damaged \(truncated record.*deepmotif data build "
                                           r"synthetic_tfbs/tiny --overwrite"):
        load_arrays(TINY, "train", data_dir=tmp_path)
    with pytest.raises(DatasetError, match="damaged"):
        load(TINY, "train", data_dir=tmp_path)

    test = _shard(tmp_path, "test")
    records = [r.numpy() for r in tf.data.TFRecordDataset(str(test))]
    with tf.io.TFRecordWriter(str(test)) as writer:  # cut between records: it reads cleanly, only shorter
        for record in records[: len(records) // 3]:
            writer.write(record)
    with pytest.raises(DatasetError, match=rf"damaged \(Input dataset was expected to contain {len(records)} "
                                           rf"elements but contained only {len(records) // 3}"):
        load_arrays(TINY, "test", data_dir=tmp_path)

    build_dataset(TINY, data_dir=tmp_path, overwrite=True)
    assert len(load_arrays(TINY, "train", data_dir=tmp_path)["label"]) == 360
    assert len(load_arrays(TINY, "test", data_dir=tmp_path)["label"]) == len(records)
