"""Input pipeline speed, dataset build time and peak memory (each memory point in its own process).

- `pipeline_rates`: sequences/s of `datasets.load` (shuffled train batches) and of the batches
  `zoo.training.load_training_data` feeds `fit` (what the project's training path iterates),
  with no model attached.
- `build_time`: seconds to prepare an `encode_tfbs` experiment from `manual_dir` into an empty data dir.
- `stream_memory`: peak RSS of streaming N and 10 N windows through `datasets.pipeline.batches`
  (in memory and memory-mapped), beside the old pipeline that embedded the split as a `tf.constant`.
- `training_memory`: peak RSS of one epoch of `zoo.train` at two training-set sizes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CHILD = Path(__file__).with_name("rss_child.py")
FOXA1 = "encode_tfbs/FOXA1_HepG2_FOXA1_-SC-101058-_HudsonAlpha"


def _stream_rate(dataset, min_sequences: int, warm_batches: int = 5) -> float:
    """Sequences/s of iterating `dataset` (endless or long enough) for `min_sequences`, after
    `warm_batches` untimed batches."""
    iterator = iter(dataset)
    for _ in range(warm_batches):
        next(iterator)
    seen, start = 0, time.perf_counter()
    for _, y in iterator:
        seen += int(y.shape[0])
        if seen >= min_sequences:
            break
    return seen / (time.perf_counter() - start)


def pipeline_rates(dataset: str, data_dir, batch_size: int, min_sequences: int, rounds: int) -> dict:
    """`{"load_seq_per_s", "training_input_seq_per_s"}`: medians of `rounds`, alternated. Each
    stream runs over epoch boundaries as `fit` sees it (one dataset for all epochs)."""
    import math

    from deepmotif.datasets import load
    from deepmotif.zoo.training import load_training_data

    loaded = load(dataset, "train", batch_size=batch_size, data_dir=data_dir).repeat()
    train, _, n_train, *_ = load_training_data(dataset, batch_size, seed=0, data_dir=data_dir)
    epochs = math.ceil((min_sequences + 5 * batch_size) / n_train) + 1
    rates: dict[str, list[float]] = {"load_seq_per_s": [], "training_input_seq_per_s": []}
    for _ in range(rounds):
        rates["load_seq_per_s"].append(_stream_rate(loaded, min_sequences))
        # `load_training_data` gives `train(epochs=, start_epoch=)` (all epochs in one dataset) or a dataset
        training = train(epochs=epochs, start_epoch=0) if callable(train) else train.repeat()
        rates["training_input_seq_per_s"].append(_stream_rate(training, min_sequences))
    return {k: round(float(np.median(v)), 1) for k, v in rates.items()} | {
        "rates": {k: [round(r) for r in v] for k, v in rates.items()}, "batch_size": batch_size}


def build_time(name: str, manual_dir) -> dict:
    """Seconds to build `name` from `manual_dir` into a fresh data dir (kept for `training_memory`)."""
    from deepmotif.datasets import build_dataset, dataset_metadata

    data_dir = tempfile.mkdtemp(prefix="bench_build_")
    start = time.perf_counter()
    build_dataset(name, manual_dir=manual_dir, data_dir=data_dir)
    seconds = time.perf_counter() - start
    splits = dataset_metadata(name, data_dir=data_dir).get("splits", {})
    return {"dataset": name, "seconds": round(seconds, 1), "splits": splits, "examples": sum(splits.values()),
            "data_dir": data_dir}


def child(*args) -> dict:
    """Run bench/rss_child.py with `args` in a fresh Python; its JSON result."""
    done = subprocess.run([sys.executable, str(CHILD), *map(str, args)], capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"rss_child {' '.join(map(str, args))} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(lines[-1])


def _write_tokens(path: Path, n: int, seed: int = 0, chunk: int = 1 << 20) -> Path:
    """A `.npy` of `n` random 101-bp token rows, written chunk by chunk."""
    rng = np.random.default_rng(seed)
    array = np.lib.format.open_memmap(path, mode="w+", dtype=np.uint8, shape=(n, 101))
    for start in range(0, n, chunk):
        array[start:start + chunk] = rng.integers(0, 4, (min(chunk, n - start), 101), dtype=np.uint8)
    array.flush()
    del array
    return path


def stream_memory(n: int, steps: int, modes=("stream", "stream_mmap", "graph_constant")) -> dict:
    """Peak RSS of streaming `steps` batches from `n` and `10 n` windows, per mode (fresh process each)."""
    out = {}
    with tempfile.TemporaryDirectory(prefix="bench_tokens_") as tmp:
        for mode in modes:
            points = []
            for size in (n, 10 * n):
                source = _write_tokens(Path(tmp) / f"tokens_{size}.npy", size) if mode == "stream_mmap" else size
                points.append(child(mode, source, steps))
            small, large = points
            growth = large["peak_rss_mb"] - small["peak_rss_mb"]
            out[mode] = {"n": [n, 10 * n], "peak_rss_mb": [small["peak_rss_mb"], large["peak_rss_mb"]],
                         "baseline_rss_mb": [small["baseline_rss_mb"], large["baseline_rss_mb"]],
                         "anon_rss_mb": [small["anon_rss_mb"], large["anon_rss_mb"]],
                         "file_rss_mb": [small["file_rss_mb"], large["file_rss_mb"]],
                         "growth_mb": round(growth, 1),
                         "bytes_per_added_window": round(growth * 2**20 / (9 * n), 1)}
    return out


def training_memory(dataset: str, data_dir, manual_dir, sizes: tuple[int, int], arch: str = "cnn") -> dict:
    """Peak RSS of one epoch of `zoo.train` capped at each of `sizes` training examples (0: all)."""
    points = [child("train", dataset, data_dir, manual_dir or "", size, arch) for size in sizes]
    return {"dataset": dataset, "arch": arch, "n_train": [p["n_train"] for p in points],
            "peak_rss_mb": [p["peak_rss_mb"] for p in points], "seconds": [p["seconds"] for p in points],
            "growth_mb": round(points[1]["peak_rss_mb"] - points[0]["peak_rss_mb"], 1)}
