"""How fast `deepmotif.datasets.load` delivers one-hot batches (sequences per second).

    python bench/bench_pipeline.py [--dataset synthetic_tfbs/gata1] [--epochs 3] [--out bench/pipeline.json]

Prints a table (one row per batch size and augmentation) and writes the numbers as JSON. The first
epoch of each row is a warm-up (graph tracing); the rate is over the following epochs. Run it with
`taskset -c 0` to see one core's rate. The pipeline should stay well above training throughput.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def rate(ds, epochs: int) -> tuple[float, int]:
    """Sequences per second over `epochs` full passes, after one warm-up pass."""
    for _ in ds:
        pass
    n, started = 0, time.perf_counter()
    for _ in range(epochs):
        for x, _ in ds:
            n += int(x.shape[0])
    return n / (time.perf_counter() - started), n // epochs


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="synthetic_tfbs/gata1")
    parser.add_argument("--split", default="train")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--data-dir", default=None, help="default: a fresh temporary directory")
    parser.add_argument("--manual-dir", default=None)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "pipeline.json"))
    args = parser.parse_args(argv)

    import tensorflow as tf

    from deepmotif.datasets import build_dataset, load

    data_dir = args.data_dir or tempfile.mkdtemp(prefix="bench_pipeline_")
    started = time.perf_counter()
    build_dataset(args.dataset, manual_dir=args.manual_dir, data_dir=data_dir)
    build_seconds = time.perf_counter() - started

    rows = []
    for batch_size in (64, 256, 1024):
        for rc in (False, "random", "both"):
            ds = load(args.dataset, args.split, batch_size=batch_size, reverse_complement=rc,
                      manual_dir=args.manual_dir, data_dir=data_dir)
            per_second, n = rate(ds, args.epochs)
            rows.append({"batch_size": batch_size, "reverse_complement": str(rc), "examples": n,
                         "sequences_per_second": round(per_second)})
    print(f"{args.dataset} {args.split}: built in {build_seconds:.1f} s; CPUs visible "
          f"{len(os.sched_getaffinity(0))}; load average {os.getloadavg()[0]:.1f}")
    print(f"{'batch':>6} {'rev-comp':>9} {'examples':>9} {'seq/s':>12}")
    for r in rows:
        print(f"{r['batch_size']:>6} {r['reverse_complement']:>9} {r['examples']:>9} {r['sequences_per_second']:>12,}")
    result = {
        "dataset": args.dataset,
        "split": args.split,
        "build_seconds": round(build_seconds, 2),
        "cpus": len(os.sched_getaffinity(0)),
        "machine": platform.processor() or platform.machine(),
        "load_average_1min": round(os.getloadavg()[0], 2),  # other processes share these cores
        "tensorflow": tf.__version__,
        "rows": rows,
    }
    with open(args.out, "w") as f:
        json.dump(result, f, indent=2)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
