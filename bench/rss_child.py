"""One memory measurement in a fresh process (run by bench/pipeline_memory.py); prints one JSON line.

    python bench/rss_child.py stream N STEPS            # `batches` over N in-memory windows
    python bench/rss_child.py stream_mmap FILE STEPS    # `batches` over a memory-mapped .npy of tokens
    python bench/rss_child.py graph_constant N STEPS    # the old pipeline: the split as a tf.constant
    python bench/rss_child.py train DATASET DATA_DIR MANUAL_DIR MAX_TRAIN ARCH   # one epoch of zoo.train

`peak_rss_mb` is the process's peak resident set (VmHWM), `baseline_rss_mb` its
resident set after importing TensorFlow and before making any data; streaming modes add the
resident set at the end split into private (`anon_rss_mb`) and mapped-file pages (`file_rss_mb`).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

L = 101


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    # VmHWM, not getrusage's ru_maxrss: after fork + exec, ru_maxrss still holds the parent's size.
    return _status_mb("VmHWM")


def _status_mb(field: str) -> float:
    """A `/proc/self/status` memory field (`RssAnon`: private memory; `RssFile`: mapped file pages,
    which the kernel can drop and re-read) in MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _graph_constant_batches(tokens, labels, batch_size):
    """The pipeline before streaming: the whole split embedded as a `tf.constant` (kept to compare)."""
    import tensorflow as tf

    from deepmotif.core.sequences import one_hot_tensor

    tokens, labels = tf.constant(tokens), tf.constant(labels)
    index = tf.data.Dataset.range(int(tokens.shape[0])).shuffle(int(tokens.shape[0]), seed=0)
    ds = index.batch(batch_size).map(lambda rows: (one_hot_tensor(tf.gather(tokens, rows)), tf.gather(labels, rows)),
                                     num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)


def main(argv: list[str]) -> dict:
    import numpy as np
    import tensorflow as tf  # noqa: F401  (imported before the baseline is read)

    from deepmotif.datasets.pipeline import batches

    mode = argv[0]
    baseline = _rss_mb()
    started = time.perf_counter()
    if mode == "train":
        from deepmotif.zoo.training import train

        dataset, data_dir, manual_dir, max_train, arch = argv[1:6]
        with tempfile.TemporaryDirectory() as out:
            train(dataset, arch, out, epochs=1, data_dir=data_dir, manual_dir=manual_dir or None,
                  max_train_examples=int(max_train) if int(max_train) > 0 else None, verbose=0,
                  command="bench/rss_child.py")
            with open(os.path.join(out, "config.json")) as f:
                n_train = json.load(f).get("n_train")
        return {"mode": mode, "dataset": dataset, "arch": arch, "n_train": n_train,
                "max_train_examples": int(max_train), "baseline_rss_mb": round(baseline, 1),
                "peak_rss_mb": round(_peak_mb(), 1), "seconds": round(time.perf_counter() - started, 1)}
    steps = int(argv[2])
    if mode == "stream_mmap":
        tokens = np.load(argv[1], mmap_mode="r")
    else:
        tokens = np.random.default_rng(0).integers(0, 4, (int(argv[1]), L), dtype=np.uint8)
    labels = (np.arange(len(tokens)) % 2).astype(np.float32)
    if mode == "graph_constant":
        ds = _graph_constant_batches(tokens, labels, 128)
    else:
        ds = batches(tokens, labels, 128, shuffle=True)
    seen = 0
    for x, _ in ds.take(steps):
        seen += int(x.shape[0])
    return {"mode": mode, "n": int(len(tokens)), "steps": steps, "sequences": seen,
            "baseline_rss_mb": round(baseline, 1), "peak_rss_mb": round(_peak_mb(), 1),
            "anon_rss_mb": round(_status_mb("RssAnon"), 1), "file_rss_mb": round(_status_mb("RssFile"), 1),
            "seconds": round(time.perf_counter() - started, 1)}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])), flush=True)
