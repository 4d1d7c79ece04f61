"""`deepmotif demo`: the README's main command, end to end on the embedded synthetic data.

Builds `synthetic_tfbs/grammar` (no files needed), trains the paper's three architectures,
exports them in TF Serving layout and builds the Deep Motif Dashboard, printing progress.
Everything lands under one folder (`--out`), so `rm -r` undoes it:

    OUT/tensorflow_datasets/   the built dataset (TFDS data_dir)
    OUT/runs/<arch>/           training runs (config.json, model.keras, metrics.json, ...)
    OUT/exported_models/       SavedModels + models.config (docker run ... tensorflow/serving)
    OUT/dashboard/index.html   the page
"""

from __future__ import annotations

import time
from pathlib import Path

from deepmotif.core.errors import DeepMotifError, UnknownNameError

ARCHS = ("cnn", "rnn", "cnn_rnn")
DEMO_DATASETS = ("synthetic_tfbs/grammar", "synthetic_tfbs/gata1", "synthetic_tfbs/ctcf", "synthetic_tfbs/rest",
                 "synthetic_tfbs/spi1", "synthetic_tfbs/tiny")
DEFAULT_DATASET = "synthetic_tfbs/grammar"
DEFAULT_EPOCHS = 12


def progress(message: str) -> None:
    """Print one progress line now (not when the buffer fills: a user is watching)."""
    print(message, flush=True)


def _export_name(dataset: str, arch: str) -> str:
    return f"{dataset.split('/')[-1]}_{arch}"


def run_demo(out="demo_out", dataset: str = DEFAULT_DATASET, epochs: int = DEFAULT_EPOCHS,
             batch_size: int = 128, seed: int = 0, archs=ARCHS, optimization_steps: int = 200,
             restarts: int = 8, n_sequences: int = 4, log=progress) -> Path:
    """Build `dataset`, train `archs`, export them and build the dashboard under `out`.

    Finished runs of the same dataset, architecture and epochs are reused, so a second call
    only rebuilds what is missing. Returns the path of the dashboard's `index.html`.
    """
    from deepmotif.cli.plain_output import quiet_libraries
    from deepmotif.datasets import build_dataset
    from deepmotif.interpret.dashboard import build_dashboard
    from deepmotif.zoo.saved_models import current_export, export
    from deepmotif.zoo.runs import is_finished
    from deepmotif.zoo.training import train

    if dataset not in DEMO_DATASETS:
        raise UnknownNameError("demo dataset (embedded synthetic data)", dataset, DEMO_DATASETS)
    if epochs < 1:
        raise DeepMotifError(f"--epochs must be at least 1, got {epochs}")
    started = time.time()
    out = Path(out)
    data_dir = out / "tensorflow_datasets"

    def say(message):
        if log:
            minutes, seconds = divmod(int(time.time() - started), 60)
            log(f"[demo {minutes:2d}:{seconds:02d}] {message}")

    quiet_libraries()  # the demo's own progress lines and Keras' one line per epoch, nothing else
    steps = 2 + len(archs) + 1
    say(f"1/{steps} building {dataset} (synthetic, no download) in {data_dir}")
    build_dataset(dataset, data_dir=data_dir)

    run_dirs, exported = [], []
    for k, arch in enumerate(archs, start=2):
        run_dir = out / "runs" / arch
        if is_finished(run_dir, {"dataset": dataset, "arch": arch, "epochs": epochs}):
            say(f"{k}/{steps} {arch}: reusing the finished run in {run_dir}")
        else:
            say(f"{k}/{steps} training {arch} for {epochs} epochs -> {run_dir}")
            train(dataset, arch, run_dir, epochs=epochs, batch_size=batch_size, seed=seed, data_dir=data_dir,
                  overwrite=True, verbose=2 if log is progress else 0)
        metrics = _read_metrics(run_dir)
        say(f"    {arch}: test auROC {metrics.get('auroc', float('nan')):.3f}, "
            f"auPRC {metrics.get('auprc', float('nan')):.3f}")
        run_dirs.append(run_dir)

    base_dir = out / "exported_models"
    say(f"{steps - 1}/{steps} exporting SavedModels (TF Serving layout) to {base_dir}")
    for arch, run_dir in zip(archs, run_dirs):
        name = _export_name(dataset, arch)
        version_dir = current_export(base_dir, name, run_dir) or export(run_dir, name, base_dir=base_dir)
        exported.append(version_dir)
        say(f"    {name} -> {version_dir}")

    scores = {arch: _read_metrics(run_dir).get("auroc", float("nan")) for arch, run_dir in zip(archs, run_dirs)}
    say("test auROC: " + ", ".join(f"{arch} {score:.3f}" for arch, score in scores.items())
        + f" (best: {max(scores, key=lambda a: scores[a])})")
    settings = {"n_sequences": n_sequences, "optimization_steps": optimization_steps, "restarts": restarts,
                "seed": seed}
    if _dashboard_current(out / "dashboard", settings, [r / "model.keras" for r in run_dirs]):
        index = out / "dashboard" / "index.html"
        say(f"{steps}/{steps} the dashboard is up to date")
        say(f"done in {(time.time() - started) / 60:.1f} min. Open file://{index.resolve()}")
        return index
    say(f"{steps}/{steps} building the dashboard")
    index = build_dashboard(dataset, run_dirs, out / "dashboard", exported=exported, n_sequences=n_sequences,
                            optimization_steps=optimization_steps, restarts=restarts, seed=seed,
                            data_dir=data_dir, log=log)
    say(f"done in {(time.time() - started) / 60:.1f} min. Open file://{index.resolve()}")
    return index


def _read_metrics(run_dir: Path) -> dict:
    import json

    path = run_dir / "metrics.json"
    return json.loads(path.read_text()).get("test", {}) if path.is_file() else {}


def _dashboard_current(folder: Path, settings: dict, models: list[Path]) -> bool:
    """Whether `folder` holds a dashboard built with `settings` after every model in `models`."""
    import json

    summary = folder / "dashboard.json"
    if not (summary.is_file() and (folder / "index.html").is_file()):
        return False
    built = json.loads(summary.read_text())
    newest = max(m.stat().st_mtime for m in models)
    same = all((built.get("settings") or {}).get(k) == v for k, v in settings.items())
    return (same and summary.stat().st_mtime > newest
            and [m["run_dir"] for m in built.get("models", [])] == [str(m.parent.resolve()) for m in models])


def _run(args) -> int:
    index = run_demo(args.out, dataset=args.dataset, epochs=args.epochs, batch_size=args.batch_size, seed=args.seed,
                     optimization_steps=args.optimization_steps)
    print(f"\nDeep Motif Dashboard: {index.resolve()}")
    return 0


def register(subparsers) -> None:
    """`deepmotif demo [--out DIR] [--dataset synthetic_tfbs/grammar] [--epochs N]`."""
    p = subparsers.add_parser(
        "demo", help="build synthetic data, train cnn/rnn/cnn_rnn, export them and build the dashboard",
        description="The whole pipeline on the embedded synthetic data (no files, no GPU; about 2 minutes on an "
                    "idle 2-core CPU, plus about a minute for TOMTOM's one-time compile): dataset, three trained models, TF Serving SavedModels and the "
                    "Deep Motif Dashboard, all under --out.")
    p.add_argument("--out", default="demo_out", help="output folder (default demo_out)")
    p.add_argument("--dataset", default=DEFAULT_DATASET, choices=DEMO_DATASETS,
                   help=f"synthetic task (default {DEFAULT_DATASET}: motif order matters)")
    p.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS, help=f"training epochs per model ({DEFAULT_EPOCHS})")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--optimization-steps", type=int, default=200,
                   help="class-optimization steps on the page (200; the paper used 1000)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=_run)
