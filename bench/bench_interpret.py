"""Speed of the interpretation methods on the paper-sized models (random weights: speed does
not depend on training). Prints a table and writes JSON.

Saliency over N sequences is compared with the training throughput of the same model (one
forward and one backward per sequence, Adam step included); the goal is at least half of it.

    python bench/bench_interpret.py [--n 10000] [--out bench/results/interpret.json]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np


def _random_x(n: int, seq_len: int, seed: int = 0) -> np.ndarray:
    return np.eye(4, dtype=np.float32)[np.random.default_rng(seed).integers(0, 4, (n, seq_len))]


def _timed(fn, *args, **kwargs) -> float:
    start = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - start


def training_throughput(model, x, y, batch_size: int) -> float:
    """Sequences per second of `model.fit` over `x` (after a warm-up epoch that traces)."""
    import keras

    model.compile(keras.optimizers.Adam(1e-3), "binary_crossentropy")
    model.fit(x[: 4 * batch_size], y[: 4 * batch_size], batch_size=batch_size, epochs=1, verbose=0)
    return len(x) / _timed(model.fit, x, y, batch_size=batch_size, epochs=1, verbose=0, shuffle=False)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="sequences for saliency and training")
    parser.add_argument("--n-temporal", type=int, default=500)
    parser.add_argument("--n-ism", type=int, default=100)
    parser.add_argument("--steps", type=int, default=1000, help="class-optimization steps")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "interpret.json")
    args = parser.parse_args(argv)

    import keras
    import tensorflow as tf

    from deepmotif.interpret import class_optimization, ism, saliency, temporal_scores
    from deepmotif.zoo.architectures import build
    from deepmotif.core.atomic import write_json

    seq_len = 101
    x = _random_x(args.n, seq_len)
    y = (np.arange(args.n) % 2).astype(np.float32)
    rows = []
    for arch in ("cnn", "rnn", "cnn_rnn"):
        keras.utils.set_random_seed(0)
        model = build(arch, seq_len)
        train_rate = training_throughput(model, x, y, args.batch_size)
        saliency(model, x[: args.batch_size], batch_size=args.batch_size)  # trace once
        saliency_rate = args.n / _timed(saliency, model, x, batch_size=args.batch_size)
        row = {"arch": arch, "train_seq_per_s": train_rate, "saliency_seq_per_s": saliency_rate,
               "saliency_over_training": saliency_rate / train_rate}
        ism(model, x[:2])
        row["ism_seq_per_s"] = args.n_ism / _timed(ism, model, x[: args.n_ism])
        if arch != "cnn":
            temporal_scores(model, x[:2])
            row["temporal_seq_per_s"] = args.n_temporal / _timed(temporal_scores, model, x[: args.n_temporal])
        class_optimization(model, n_restarts=8, steps=2)  # trace once
        row["class_optimization_s"] = _timed(class_optimization, model, n_restarts=8, steps=args.steps)
        rows.append(row)
        print(f"{arch}: done", flush=True)

    header = ("arch", "train seq/s", "saliency seq/s", "saliency/train", "ISM seq/s", "temporal seq/s",
              f"class opt. 8x{args.steps} (s)")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        temporal = f"{r['temporal_seq_per_s']:.0f}" if "temporal_seq_per_s" in r else "-"
        print(f"| {r['arch']} | {r['train_seq_per_s']:.0f} | {r['saliency_seq_per_s']:.0f} | "
              f"{r['saliency_over_training']:.2f} | {r['ism_seq_per_s']:.1f} | {temporal} | "
              f"{r['class_optimization_s']:.1f} |")
    result = {"n": args.n, "n_temporal": args.n_temporal, "n_ism": args.n_ism, "steps": args.steps,
              "batch_size": args.batch_size, "seq_len": seq_len, "rows": rows,
              "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                          "gpus": [d.name for d in tf.config.list_physical_devices("GPU")]},
              "versions": {"tensorflow": tf.__version__, "keras": keras.__version__}}
    write_json(args.out, result)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
