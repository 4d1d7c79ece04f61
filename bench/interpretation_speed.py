"""Interpretation and dashboard speed: saliency sequences/s (to hold beside training throughput),
temporal output scores, class optimization (restarts x steps), and the dashboard's wall time per
TF page with TOMTOM's one-time compile timed apart. Models come from the training benchmark's runs
when given, else are built with random weights (speed does not depend on the weights).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from timing import seconds, stats


def _x(n: int, seq_len: int = 101, seed: int = 0) -> np.ndarray:
    return np.eye(4, dtype=np.float32)[np.random.default_rng(seed).integers(0, 4, (n, seq_len))]


def _model(arch: str, run_dir=None):
    if run_dir is not None and (Path(run_dir) / "model.keras").is_file():
        from deepmotif.zoo.model_loading import load_run

        return load_run(run_dir)[0]
    from deepmotif.zoo.architectures import build
    from training_speed import model_config

    return build(**model_config(arch)[0])


def measure_arch(arch: str, n_saliency: int, n_temporal: int, restarts: int, steps: int, rounds: int,
                 run_dir=None) -> dict:
    """Rates of saliency and temporal scores (medians of `rounds`) and class-optimization seconds."""
    from deepmotif.interpret import class_optimization, saliency, temporal_scores

    model = _model(arch, run_dir)
    x = _x(n_saliency)
    saliency(model, x[:256])  # trace once
    saliency_rates = [n_saliency / seconds(lambda: saliency(model, x)) for _ in range(rounds)]
    out = {"saliency_seq_per_s": stats(saliency_rates)["median"], "saliency_rounds": stats(saliency_rates),
           "n_saliency": n_saliency}
    if arch != "cnn":
        temporal_scores(model, x[:2])
        rates = [n_temporal / seconds(lambda: temporal_scores(model, x[:n_temporal])) for _ in range(rounds)]
        out["temporal_seq_per_s"] = stats(rates)["median"]
        out["n_temporal"] = n_temporal
    class_optimization(model, n_restarts=restarts, steps=2)  # trace once
    out["class_optimization_s"] = round(seconds(lambda: class_optimization(model, n_restarts=restarts, steps=steps)), 2)
    out["class_optimization"] = f"{restarts} restarts x {steps} steps"
    return out


def measure(archs, n_saliency: int, n_temporal: int, restarts: int, steps: int, rounds: int, run_dirs=None,
            log=print) -> dict:
    """`measure_arch` for each architecture; `{arch: result}`."""
    out = {}
    for arch in archs:
        log(f"interpretation: {arch}")
        out[arch] = measure_arch(arch, n_saliency, n_temporal, restarts, steps, rounds,
                                 (run_dirs or {}).get(arch))
    return out


def tomtom_compile_seconds() -> dict:
    """TOMTOM (memelite, numba) on one JASPAR motif: the first call in this process, then again."""
    from deepmotif.datasets.jaspar import load_motifs
    from deepmotif.interpret import match_jaspar

    pwm = np.asarray(load_motifs(["MA0035"])[0].probabilities, np.float32)
    first = seconds(lambda: match_jaspar([pwm], top=1))
    again = seconds(lambda: match_jaspar([pwm], top=1))
    return {"first_call_s": round(first, 2), "warm_call_s": round(again, 2),
            "compile_s": round(max(first - again, 0.0), 2)}


def dashboard_page_seconds(dataset: str, run_dirs: dict, data_dir, log=print) -> dict:
    """Wall seconds of `build_dashboard` for one TF page of the three runs (TOMTOM already compiled
    by `tomtom_compile_seconds`, which is timed apart)."""
    from deepmotif.interpret.dashboard import build_dashboard

    with tempfile.TemporaryDirectory(prefix="bench_dashboard_") as out:
        start = time.perf_counter()
        build_dashboard(dataset, [run_dirs[a] for a in ("cnn", "rnn", "cnn_rnn") if a in run_dirs], out,
                        data_dir=data_dir)
        page = time.perf_counter() - start
    log(f"  dashboard page: {page:.1f} s")
    return {"dataset": dataset, "page_s": round(page, 1), "models": len(run_dirs)}
