"""Overhead of `deepmotif scan --runner direct` (Beam's local engine) against the in-process scan.

Scans a random genome (i.i.d. bases, GC 0.42) with a paper-sized CNN (random weights: speed does
not depend on training) both ways and reports bases scanned per second (wall clock, end to end)
and this process's CPU seconds (in-process runs; on a shared machine the steadier measure). The
local path is `zoo.scanning.scan_track`; the Beam path is `zoo.beam.scan_pipeline.scan_track_beam`
(plan, SavedModel load in the worker, RunInference, parts written and merged back in order).
The scores of the two are checked equal before anything is reported.

    python bench/beam_overhead.py [--mb 2] [--stride 10] [--out bench/results/beam_overhead.json]
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np


def write_random_genome(path: Path, megabases: float, contigs: int = 2, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    p = np.array([0.29, 0.21, 0.21, 0.29])  # GC 0.42
    length = int(megabases * 1e6) // contigs
    with open(path, "w") as f:
        for c in range(contigs):
            seq = "".join(np.array(list("ACGT"))[rng.choice(4, size=length, p=p)])
            f.write(f">chr{c + 1}\n")
            f.writelines(seq[i:i + 60] + "\n" for i in range(0, length, 60))


def consume(chunks) -> tuple[int, list]:
    """Bases covered by the yielded bins, and the chunks' scores."""
    bases, scores = 0, []
    for chunk in chunks:
        bases += int((chunk.ends - chunk.starts).sum())
        scores.append(chunk.scores)
    return bases, scores


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=2.0, help="genome size in megabases")
    parser.add_argument("--stride", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=1024)
    parser.add_argument("--chunk", type=int, default=16_384, help="bins per Beam element (and per local chunk)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "beam_overhead.json")
    args = parser.parse_args(argv)

    import keras

    from deepmotif.core.atomic import write_json
    from deepmotif.datasets.genome import open_genome
    from deepmotif.zoo.architectures import build
    from deepmotif.zoo.beam.runners import pipeline_options
    from deepmotif.zoo.beam.scan_pipeline import scan_track_beam
    from deepmotif.zoo.saved_models import export_model
    from deepmotif.zoo.scanning import genome_targets, scan_track, window_of

    work = Path(tempfile.mkdtemp(prefix="beam-bench-"))
    fasta = work / "random.fa"
    write_random_genome(fasta, args.mb)
    keras.utils.set_random_seed(0)
    model = build("cnn")  # the paper's CNN, 101-bp windows
    version_dir = export_model(model, "bench_cnn", base_dir=work / "exported")
    window = window_of(model)
    rows = []
    with open_genome(fasta) as genome:
        targets = genome_targets(genome)
        consume(scan_track(model, genome_targets(genome, [("chr1", 0, 5_000)]), window, args.stride))  # trace once

        start, cpu = time.perf_counter(), time.process_time()
        bases, local_scores = consume(scan_track(model, targets, window, args.stride, batch_size=args.batch_size,
                                                 chunk=args.chunk))
        local_s = time.perf_counter() - start
        rows.append({"path": "local (scan_track)", "seconds": local_s, "bp_per_s": bases / local_s,
                     "cpu_seconds": time.process_time() - cpu})

        runs = [("beam direct, 1 worker, in_memory (first job)",
                 {"direct_num_workers": "1", "direct_running_mode": "in_memory"}),
                ("beam direct, 1 worker, in_memory", {"direct_num_workers": "1", "direct_running_mode": "in_memory"}),
                ("beam direct, 2 workers, multi_processing",
                 {"direct_num_workers": "2", "direct_running_mode": "multi_processing"})]
        for name, options in runs:
            start, cpu = time.perf_counter(), time.process_time()
            beam_bases, beam_scores = consume(scan_track_beam(
                model, str(version_dir), str(fasta), targets, window, args.stride,
                options=pipeline_options("direct", options), temp_dir=str(work), batch_size=args.batch_size,
                chunk=args.chunk))
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            assert beam_bases == bases and len(beam_scores) == len(local_scores)
            for a, b in zip(local_scores, beam_scores):
                np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
            in_process = options["direct_running_mode"] == "in_memory"  # else workers' CPU is not ours to count
            rows.append({"path": name, "seconds": seconds, "bp_per_s": bases / seconds,
                         "cpu_seconds": cpu if in_process else None})

    print(f"{args.mb} Mb random genome, stride {args.stride}, {bases:,} bp in bins, window {window}, "
          f"{args.chunk} bins per element, {os.cpu_count()} CPUs")
    print(f"{'path':<58} {'wall s':>8} {'bp/s':>10} {'vs local':>9} {'CPU s':>7}")
    for row in rows:
        row["relative_to_local"] = row["bp_per_s"] / rows[0]["bp_per_s"]
        cpu = "n/a" if row["cpu_seconds"] is None else f"{row['cpu_seconds']:.1f}"
        print(f"{row['path']:<58} {row['seconds']:>8.2f} {row['bp_per_s']:>10,.0f} {row['relative_to_local']:>8.2f}x "
              f"{cpu:>7}")
    write_json(args.out, {"load_average_1min": os.getloadavg()[0], "megabases": args.mb, "stride": args.stride,
                          "window": window, "bases": bases,
                          "chunk": args.chunk, "batch_size": args.batch_size, "cpus": os.cpu_count(),
                          "machine": platform.processor() or platform.machine(), "rows": rows})
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
