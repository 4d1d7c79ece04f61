"""TF Serving warmup requests (`assets.extra/tf_serving_warmup_requests`).

TF Serving replays these `PredictionLog` records when it loads a version, so the first
real request does not pay for graph tracing. One request per signature: `serving_default` and
`predict_logits` get windows of the model's length, `predict_sequences` and `scan_sequences` the
same strings with the last one longer than the window (so the multi-window path is warmed up too).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from deepmotif.core.sequences import ALPHABET, one_hot_strings

WARMUP_FILE = "tf_serving_warmup_requests"


def warmup_sequences(seq_len: int, n: int = 4, seed: int = 0) -> list[str]:
    """`n` fixed random ACGT strings of length `seq_len` (the last with an `N`)."""
    rng = np.random.default_rng(seed)
    seqs = ["".join(rng.choice(list(ALPHABET), size=seq_len)) for _ in range(n)]
    seqs[-1] = "N" + seqs[-1][1:]
    return seqs


LONGER_BY = 7  # extra bases of the last warmup string of the string signatures


def warmup_strings(seq_len: int, n: int = 4, seed: int = 0) -> list[str]:
    """`warmup_sequences`, the last one `LONGER_BY` bases longer (for the string signatures)."""
    seqs = warmup_sequences(seq_len, n, seed)
    seqs[-1] += warmup_sequences(LONGER_BY, 1, seed + 1)[0]
    return seqs


def warmup_logs(model_name: str, seq_len: int, n: int = 4) -> list:
    """`PredictionLog` protos: one each for `serving_default`, `predict_sequences`, `scan_sequences` and
    `predict_logits`."""
    import tensorflow as tf
    from tensorflow_serving.apis import model_pb2, predict_pb2, prediction_log_pb2

    seqs, strings = warmup_sequences(seq_len, n), warmup_strings(seq_len, n)
    inputs = {
        "serving_default": {"one_hot": tf.make_tensor_proto(one_hot_strings(seqs), dtype=tf.float32)},
        "predict_sequences": {"sequences": tf.make_tensor_proto(strings, dtype=tf.string, shape=[len(strings)])},
        "scan_sequences": {"sequences": tf.make_tensor_proto(strings, dtype=tf.string, shape=[len(strings)])},
        "predict_logits": {"one_hot": tf.make_tensor_proto(one_hot_strings(seqs), dtype=tf.float32)},
    }
    logs = []
    for signature, tensors in inputs.items():
        request = predict_pb2.PredictRequest(
            model_spec=model_pb2.ModelSpec(name=model_name, signature_name=signature)
        )
        for key, proto in tensors.items():
            request.inputs[key].CopyFrom(proto)
        logs.append(prediction_log_pb2.PredictionLog(predict_log=prediction_log_pb2.PredictLog(request=request)))
    return logs


def write_warmup_requests(path, model_name: str, seq_len: int, n: int = 4) -> Path:
    """Write the warmup `PredictionLog` records as a TFRecord file at `path`."""
    import tensorflow as tf

    path = Path(path)
    with tf.io.TFRecordWriter(str(path)) as writer:
        for log in warmup_logs(model_name, seq_len, n):
            writer.write(log.SerializeToString())
    return path


def read_warmup_requests(path) -> list:
    """Parse a warmup file back into `PredictionLog` protos (fails on a corrupt record)."""
    import tensorflow as tf
    from tensorflow_serving.apis import prediction_log_pb2

    logs = []
    for record in tf.data.TFRecordDataset(str(path)):
        log = prediction_log_pb2.PredictionLog()
        log.ParseFromString(record.numpy())
        logs.append(log)
    return logs
