"""Training throughput (sequences/s) per architecture and precision policy; prints a table, writes JSON.

    python bench/bench_training.py [--n 2048] [--archs cnn rnn cnn_rnn] [--precisions float32 mixed_float16]
        [--out bench/results/training.json]

Random one-hot input `(n, 101, 4)`; one untimed epoch (tracing), then one timed epoch, batch 128.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def measure(arch: str, precision: str, n: int, batch_size: int = 128, seq_len: int = 101) -> float:
    """Training sequences per second of `arch` under `precision` (timed second epoch)."""
    import keras
    import numpy as np
    import tensorflow as tf

    from deepmotif.zoo.architectures import build
    from deepmotif.zoo.precision import precision_policy

    rng = np.random.default_rng(0)
    x = np.eye(4, dtype="float32")[rng.integers(0, 4, (n, seq_len))]
    y = rng.integers(0, 2, n).astype("float32")
    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(batch_size).cache().prefetch(2)
    with precision_policy(precision):
        model = build(arch, seq_len=seq_len)
        model.compile(keras.optimizers.Adam(1e-3), "binary_crossentropy")
        model.fit(ds, epochs=1, verbose=0)
        start = time.perf_counter()
        model.fit(ds, epochs=1, verbose=0)
        return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2048)
    parser.add_argument("--archs", nargs="+", default=["cnn", "rnn", "cnn_rnn"])
    parser.add_argument("--precisions", nargs="+", default=["float32", "mixed_float16", "mixed_bfloat16"])
    parser.add_argument("--out", default="bench/results/training.json")
    args = parser.parse_args()

    import keras

    from deepmotif.zoo.precision import has_gpu

    rows = []
    print(f"{'arch':8} {'precision':15} {'seq/s':>8}")
    for arch in args.archs:
        for precision in args.precisions:
            rate = measure(arch, precision, args.n)
            rows.append({"arch": arch, "precision": precision, "seq_per_s": round(rate, 1)})
            print(f"{arch:8} {precision:15} {rate:8.0f}", flush=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"device": "gpu" if has_gpu() else f"cpu ({os.cpu_count()} cores)",
                               "backend": keras.backend.backend(), "machine": platform.machine(),
                               "n": args.n, "batch_size": 128, "rows": rows}, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
