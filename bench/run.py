"""DeepMotif Zoo benchmark: one command runs everything, prints a table, writes docs/benchmarks.{md,json}.

    pip install -e ".[bench]"          # adds PyTorch (the CPU build)
    python bench/run.py [--quick] [--sections training inference ...] [--no-write]

Sections: `ceiling` (float32 matmul GFLOP/s), `shape_ceiling` (the same, timed on each model's own
GEMM shapes: bench/shape_ceiling.py), `training` (zoo.train vs the same Keras model fed
from memory vs PyTorch, alternated), `inference` (SavedModel signatures, Keras predict, the
project's predict, PyTorch; batch 1, 32, 1024), `pipeline` (input pipeline alone), `memory` (peak
RSS: streaming N vs 10 N windows, one epoch of zoo.train at two sizes, the largest local ENCODE
experiment's build time), `interpretation` (saliency, temporal scores, class optimization),
`dashboard` (one TF page, TOMTOM's compile apart), `scanning` (bp/s), `precision` (Keras training
on this CPU in float32, mixed_float16, mixed_bfloat16), `demo` (`deepmotif demo` end to end in a fresh
process). `--quick` (about 3 minutes on an idle 2-core machine) uses fewer rounds and examples and
skips the dashboard, precision, the demo and the ENCODE build. `--render` measures nothing and
refreshes the optimization log appended to benchmarks.md.
Timings are medians of rounds in which the contenders alternate; the share of the cores' time other
processes used is recorded, and a busy machine is flagged on the page. Tests never assert these numbers.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
START = time.perf_counter()
BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

SECTIONS = ("ceiling", "shape_ceiling", "training", "inference", "pipeline", "memory", "interpretation", "dashboard",
            "scanning", "precision", "demo")
DEFAULT_DATASET = "synthetic_tfbs/gata1"
ENCODE_EXPERIMENT = "encode_tfbs/FOXA1_HepG2_FOXA1_-SC-101058-_HudsonAlpha"
LOG = BENCH / "optimization_log.md"

SETTINGS = {
    "quick": dict(rounds=2, max_train_examples=768, infer_rounds=2, infer_seconds=0.03, pipeline_sequences=30_000,
                  pipeline_rounds=2, stream_n=100_000, stream_steps=100, stream_modes=("stream",),
                  n_saliency=1024, n_temporal=32, restarts=8, steps=50, interp_rounds=2, scan_bp=20_000,
                  scan_rounds=2, ceiling_seconds=1.5, precision_n=512, precision_rounds=2, shape_passes=1,
                  shape_repeats=3),
    "full": dict(rounds=5, max_train_examples=None, infer_rounds=5, infer_seconds=0.2, pipeline_sequences=200_000,
                 pipeline_rounds=3, stream_n=200_000, stream_steps=300,
                 stream_modes=("stream", "stream_mmap", "graph_constant"), n_saliency=8192, n_temporal=256,
                 restarts=8, steps=300, interp_rounds=3, scan_bp=100_000, scan_rounds=3, ceiling_seconds=4.0,
                 precision_n=1024, precision_rounds=3, shape_passes=3, shape_repeats=5),
}


def shared_encode_dir() -> Path | None:
    """`$DEEPMOTIF_SHARED_DATA/encode`, else `../shared/data/encode` beside the repo, if present."""
    env = os.environ.get("DEEPMOTIF_SHARED_DATA")
    path = (Path(env) if env else ROOT.parent / "shared" / "data") / "encode"
    return path if path.is_dir() else None


def default_data_dir() -> Path:
    """Where the benchmark keeps its prepared TFDS datasets between runs."""
    return Path(os.environ.get("TFDS_DATA_DIR") or Path.home() / ".cache" / "deepmotif" / "bench_tfds")


def log(message: str) -> None:
    print(f"[bench {time.perf_counter() - START:6.1f}s] {message}", flush=True)


def run_sections(args, settings: dict) -> dict:
    """Run the chosen sections in order; a failing section is recorded in `skipped` and the rest go on."""
    import flops
    import report

    raw: dict = {"skipped": {}, "machine_start": report.machine(), "cpu_start": report.cpu_seconds()}
    data_dir = str(args.data_dir)
    dataset = args.dataset
    run_root = Path(tempfile.mkdtemp(prefix="bench_runs_"))
    wanted = set(args.sections)

    def section(name, fn):
        if name not in wanted:
            return
        log(f"== {name}")
        try:
            raw[name] = fn()
        except Exception as e:  # one broken section must not hide the others' numbers
            traceback.print_exc()
            raw["skipped"][name] = f"failed: {type(e).__name__}: {e}"[:300]
            raw["failed"] = True

    def flop_counts():
        from deepmotif.zoo.architectures import build
        from training_speed import ARCHS, model_config

        return {arch: flops.forward_flops(build(**model_config(arch)[0])) for arch in ARCHS}

    if wanted & {"training", "pipeline", "memory", "interpretation", "dashboard"}:
        from deepmotif.datasets import build_dataset

        log(f"preparing {dataset} in {data_dir}")
        build_dataset(dataset, data_dir=data_dir)

    raw["flops"] = flop_counts()
    section("ceiling", lambda: flops.matmul_ceiling(settings["ceiling_seconds"]))

    def shape_ceilings():
        import shape_ceiling

        return shape_ceiling.measure(passes=settings["shape_passes"], repeats=settings["shape_repeats"], log=log)

    section("shape_ceiling", shape_ceilings)

    def training():
        import training_speed

        return training_speed.measure(dataset, data_dir, args.rounds or settings["rounds"],
                                      settings["max_train_examples"], run_root, log=log)

    section("training", training)

    def inference():
        import inference_speed

        return inference_speed.measure(settings["infer_rounds"], settings["infer_seconds"], log=log)

    section("inference", inference)

    def pipeline():
        import pipeline_memory

        return pipeline_memory.pipeline_rates(dataset, data_dir, 128, settings["pipeline_sequences"],
                                              settings["pipeline_rounds"])

    section("pipeline", pipeline)

    def memory():
        import pipeline_memory

        out = {"stream": pipeline_memory.stream_memory(settings["stream_n"], settings["stream_steps"],
                                                       settings["stream_modes"])}
        encode_dir = shared_encode_dir()
        if not args.quick and encode_dir is not None:
            log(f"building {ENCODE_EXPERIMENT} from {encode_dir}")
            raw["build"] = pipeline_memory.build_time(ENCODE_EXPERIMENT, encode_dir)
            n = raw["build"]["splits"].get("train", 0)
            out["training"] = pipeline_memory.training_memory(ENCODE_EXPERIMENT, raw["build"]["data_dir"],
                                                              encode_dir, (max(1, n // 10), 0))
        else:
            why = "--quick" if args.quick else "no ../shared/data/encode (or $DEEPMOTIF_SHARED_DATA)"
            raw["build"] = {"skipped": why}
            sizes = (0,) if args.quick else (358, 0)
            points = [pipeline_memory.child("train", dataset, data_dir, "", size, "cnn") for size in sizes]
            out["training"] = {"dataset": dataset, "arch": "cnn", "n_train": [p["n_train"] for p in points],
                               "peak_rss_mb": [p["peak_rss_mb"] for p in points],
                               "growth_mb": round(points[-1]["peak_rss_mb"] - points[0]["peak_rss_mb"], 1),
                               "note": f"{ENCODE_EXPERIMENT} not built ({why}); measured on {dataset}"}
        return out

    section("memory", memory)

    def interpretation():
        import interpretation_speed

        run_dirs = {a: run_root / a for a in ("cnn", "rnn", "cnn_rnn") if (run_root / a / "model.keras").is_file()}
        return interpretation_speed.measure(("cnn", "rnn", "cnn_rnn"), settings["n_saliency"], settings["n_temporal"],
                                            settings["restarts"], settings["steps"], settings["interp_rounds"],
                                            run_dirs, log=log)

    section("interpretation", interpretation)

    def dashboard():
        import interpretation_speed

        run_dirs = {a: run_root / a for a in ("cnn", "rnn", "cnn_rnn") if (run_root / a / "model.keras").is_file()}
        if len(run_dirs) < 3:
            return {"skipped": "needs the training section's three runs"}
        tomtom = interpretation_speed.tomtom_compile_seconds()
        return {**interpretation_speed.dashboard_page_seconds(dataset, run_dirs, data_dir, log=log), "tomtom": tomtom}

    if args.quick and "dashboard" in wanted and "dashboard" not in args.explicit:
        raw["dashboard"] = {"skipped": "--quick"}
    else:
        section("dashboard", dashboard)

    def scanning():
        import scanning_speed

        return scanning_speed.measure(("cnn", "rnn", "cnn_rnn"), settings["scan_bp"], settings["scan_rounds"], log=log)

    section("scanning", scanning)

    def precision():
        import training_speed

        return training_speed.measure_precisions(n=settings["precision_n"], rounds=settings["precision_rounds"], log=log)

    if args.quick and "precision" not in args.explicit:
        raw["precision"] = {"skipped": "--quick"}
    else:
        section("precision", precision)

    if args.quick and "demo" not in args.explicit:
        raw["demo"] = {"skipped": "--quick"}
    else:
        section("demo", demo_seconds)
    return raw


def demo_seconds() -> dict:
    """Wall time of `deepmotif demo` end to end (a fresh process, output in a temporary folder), and
    whether it announced TOMTOM's one-time compile (it does only while the compile is not cached)."""
    import subprocess

    with tempfile.TemporaryDirectory(prefix="bench_demo_") as out:
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "deepmotif.cli.main", "demo", "--out", out],
                              capture_output=True, text=True)
        seconds = round(time.perf_counter() - start, 1)
    if done.returncode != 0:
        raise RuntimeError(f"deepmotif demo failed ({done.returncode}): {done.stderr[-500:]}")
    return {"seconds": seconds, "announced_tomtom_compile": "compiling TOMTOM" in done.stderr}


def render(out_dir: Path) -> int:
    """Replace the optimization log at the end of `out_dir/benchmarks.md` with the log as it is now
    (it is appended verbatim, from its first line on); the measured part is left as it is."""
    from deepmotif.core.atomic import write_text

    if not (out_dir / "benchmarks.md").is_file():
        raise SystemExit(f"{out_dir / 'benchmarks.md'} does not exist: run the benchmark first")
    page, log_text = (out_dir / "benchmarks.md").read_text(), LOG.read_text().strip()
    first_line = log_text.splitlines()[0]
    if first_line not in page:
        raise SystemExit(f"{out_dir / 'benchmarks.md'} does not contain the log's first line {first_line!r}; "
                         "run the benchmark instead")
    write_text(out_dir / "benchmarks.md", page[:page.index(first_line)] + log_text + "\n")
    log(f"rewrote the optimization log in {out_dir / 'benchmarks.md'}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer rounds and examples; no dashboard, no ENCODE build")
    parser.add_argument("--sections", nargs="+", choices=SECTIONS, default=None, help="default: all")
    parser.add_argument("--rounds", type=int, default=None, help="training rounds (default 2 quick, 5 full)")
    parser.add_argument("--dataset", default=DEFAULT_DATASET, help="dataset for the training path and pipeline")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="TFDS data dir kept between runs (default $TFDS_DATA_DIR or ~/.cache/deepmotif/bench_tfds)")
    parser.add_argument("--out-dir", type=Path, default=ROOT / "docs", help="where benchmarks.md/.json go")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--render", action="store_true",
                        help="measure nothing: refresh the optimization log appended to --out-dir's benchmarks.md")
    args = parser.parse_args(argv)
    if args.render:
        return render(args.out_dir)
    args.explicit = set(args.sections or ())
    args.sections = args.sections or list(SECTIONS)
    args.data_dir = args.data_dir or default_data_dir()
    settings = dict(SETTINGS["quick" if args.quick else "full"])
    settings.update(quick=args.quick, dataset=args.dataset, sections=list(args.sections))

    import report

    # Every temporary folder of the run (exports, runs, the ENCODE build) goes under one, removed at the end.
    with tempfile.TemporaryDirectory(prefix="deepmotif_bench_") as work:
        tempfile.tempdir = work
        try:
            raw = run_sections(args, settings)
        finally:
            tempfile.tempdir = None
    raw["seconds"] = round(time.perf_counter() - START, 1)
    raw["machine"] = report.machine()
    raw["machine"]["load_average_1min_at_start"] = raw["machine_start"]["load_average_1min"]
    raw["machine"]["other_cpu_share"] = report.other_cpu_share(raw["cpu_start"], report.cpu_seconds())
    raw["versions"] = report.versions()
    settings = {k: (list(v) if isinstance(v, tuple) else v) for k, v in settings.items()}
    doc = report.summarize(raw, settings)
    page = report.markdown(doc, LOG.read_text() if LOG.is_file() else "")
    print()
    print("\n".join(line for line in page.splitlines() if line.startswith("|") or line.startswith("Float32")))
    if not args.no_write:
        from deepmotif.core.atomic import write_json, write_text

        args.out_dir.mkdir(parents=True, exist_ok=True)
        write_json(args.out_dir / "benchmarks.json", doc)
        write_text(args.out_dir / "benchmarks.md", page)
        log(f"wrote {args.out_dir / 'benchmarks.md'} and {args.out_dir / 'benchmarks.json'}")
    return 1 if raw.get("failed") else 0


if __name__ == "__main__":
    raise SystemExit(main())
