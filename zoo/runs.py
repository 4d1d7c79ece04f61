"""Run directories: the files a training run leaves and config compatibility
(`deepmotif.zoo.model_loading.load_run` loads one).

Layout of `RUN_DIR` (DEVELOPERS.md): `config.json`, `model.keras`, `history.csv`, `metrics.json`,
`predictions_test.npz`, `tensorboard/`, `backup/` (BackupAndRestore; removed when a run finishes),
`checkpoint/` (best model so far; removed when a run finishes).
"""

from __future__ import annotations

import csv
import json
import shutil
import sys
from pathlib import Path

from deepmotif.core.errors import DeepMotifError, MissingFilesError
from deepmotif.core import atomic

CONFIG = "config.json"
MODEL = "model.keras"
HISTORY = "history.csv"
METRICS = "metrics.json"
PREDICTIONS = "predictions_test.npz"
TENSORBOARD = "tensorboard"
BACKUP = "backup"
CHECKPOINT = "checkpoint"
BEST_CHECKPOINT = f"{CHECKPOINT}/best.keras"
# Keys that describe how a run was launched, not what it computes: they may differ on resume.
VOLATILE_KEYS = ("command", "versions", "verbose", "created")


class IncompatibleRunError(DeepMotifError):
    """RUN_DIR already holds a different run (or other files) and --overwrite was not given."""


def versions() -> dict:
    """Versions of the libraries that a run's numbers depend on."""
    import keras
    import numpy
    import sklearn

    out = {"python": sys.version.split()[0], "keras": keras.__version__, "keras_backend": keras.backend.backend(),
           "numpy": numpy.__version__, "scikit_learn": sklearn.__version__}
    try:
        import tensorflow as tf

        out["tensorflow"] = tf.__version__
    except ImportError:
        pass
    try:
        import tensorflow_datasets as tfds

        out["tensorflow_datasets"] = tfds.__version__
    except ImportError:
        pass
    return out


# A recipe's tables for other architectures: a run is defined by the values resolved for its own
# (`learning_rate`, `early_stopping_patience`, ...), so changing another architecture's entry does
# not make its runs "different".
PER_ARCH_RECIPE_KEYS = ("arch_learning_rate", "arch_overrides", "arch_settings")


def _identity(config: dict) -> dict:
    # Round-trip through JSON so tuples/lists and int/float spellings compare as stored.
    stable = {k: v for k, v in config.items() if k not in VOLATILE_KEYS}
    if isinstance(stable.get("recipe"), dict):
        stable["recipe"] = {k: v for k, v in stable["recipe"].items() if k not in PER_ARCH_RECIPE_KEYS}
    return json.loads(json.dumps(stable, sort_keys=True, default=str))


def config_differences(old: dict, new: dict) -> list[str]:
    """Top-level keys whose values differ between two run configs (volatile keys ignored)."""
    a, b = _identity(old), _identity(new)
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))


def read_json(path) -> dict:
    """A JSON file written by a run, with its path in the error if it is not JSON."""
    path = Path(path)
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise IncompatibleRunError(f"{path}:{e.lineno}: not valid JSON ({e.msg})") from e


def read_config(run_dir) -> dict:
    path = Path(run_dir) / CONFIG
    if not path.is_file():
        raise MissingFilesError(f"{run_dir} is not a run directory (no {CONFIG})", [path])
    return read_json(path)


# Every entry a training run writes into its directory: the only things `--overwrite` may remove.
RUN_ENTRIES = (CONFIG, MODEL, HISTORY, METRICS, PREDICTIONS, TENSORBOARD, BACKUP, CHECKPOINT)


def foreign_entries(run_dir) -> list[str]:
    """Names in `run_dir` that no training run writes (user files a tool must never delete)."""
    return sorted(p.name for p in Path(run_dir).iterdir() if p.name not in RUN_ENTRIES and not p.name.endswith(".tmp"))


def is_finished(run_dir, expected: dict | None = None) -> bool:
    """Whether `run_dir` holds a finished training run (config, model and metrics all written).

    Parameters
    ----------
    run_dir : str or pathlib.Path
        A run directory (`deepmotif train --out RUN_DIR`); need not exist.
    expected : dict, optional
        Config entries the run must have been made with, e.g. `{"dataset": ..., "arch": ..., "epochs": 12}`.

    Returns
    -------
    bool
    """
    run_dir = Path(run_dir)
    if not all((run_dir / name).is_file() for name in (CONFIG, MODEL, METRICS)):
        return False
    config = read_config(run_dir)
    return all(config.get(key) == value for key, value in (expected or {}).items())


def prepare_run_dir(run_dir, config: dict, overwrite: bool = False) -> str:
    """Make `run_dir` ready for `config`; returns `"new"`, `"resume"` or `"finished"`.

    An existing run with the same config resumes (or is already finished). A run with a different
    config raises `IncompatibleRunError` unless `overwrite`, which removes only the files a run
    writes (`RUN_ENTRIES`). A non-empty directory that is not a run, or a run directory holding
    other files, is refused whatever `overwrite` says: a tool never deletes what it did not write.
    """
    run_dir = Path(run_dir)
    if run_dir.exists() and not run_dir.is_dir():
        raise IncompatibleRunError(f"{run_dir} exists and is not a directory")
    present = run_dir.is_dir() and any(run_dir.iterdir())
    if present:
        if not (run_dir / CONFIG).is_file():
            raise IncompatibleRunError(
                f"{run_dir} is not empty and holds no {CONFIG}: it is not a run directory, so nothing in it "
                "is replaced (with or without --overwrite). Choose a new or empty --out."
            )
        diff = config_differences(read_config(run_dir), config)
        if diff and not overwrite:
            old = _identity(read_config(run_dir))
            new = _identity(config)
            shown = "; ".join(f"{k}: {old.get(k)!r} -> {new.get(k)!r}" for k in diff[:5])
            raise IncompatibleRunError(
                f"{run_dir} holds a run with a different configuration ({shown}). "
                "Pass --overwrite to replace that run, or choose another --out."
            )
        if not overwrite:
            return "finished" if is_finished(run_dir) else "resume"
        foreign = foreign_entries(run_dir)
        if foreign:
            raise IncompatibleRunError(
                f"{run_dir} holds a run and files no run writes ({', '.join(foreign[:5])}); --overwrite "
                "replaces only a run's own files, so move those away or choose another --out."
            )
        for name in RUN_ENTRIES:
            child = run_dir / name
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            elif child.exists() or child.is_symlink():
                child.unlink()
    run_dir.mkdir(parents=True, exist_ok=True)
    atomic.write_json(run_dir / CONFIG, config)
    return "new"


def read_history(run_dir) -> list[dict]:
    """Rows of `history.csv` as dicts of floats (`epoch` as int); one row per epoch, last one wins."""
    path = Path(run_dir) / HISTORY
    if not path.is_file():
        return []
    rows = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            try:
                parsed = {k: float(v) for k, v in row.items() if k and v not in (None, "")}
            except ValueError:
                continue
            if "epoch" in parsed:
                parsed["epoch"] = int(parsed["epoch"])
                rows[parsed["epoch"]] = parsed
    return [rows[e] for e in sorted(rows)]


def truncate_history(run_dir, epochs: int) -> list[dict]:
    """Keep the first `epochs` epochs of `history.csv` (a resumed run re-does the rest)."""
    rows = [r for r in read_history(run_dir) if r["epoch"] < epochs]
    path = Path(run_dir) / HISTORY
    if path.is_file():
        keys = list(rows[0]) if rows else []
        lines = [",".join(keys)] + [",".join(repr(r[k]) if k != "epoch" else str(r[k]) for k in keys) for r in rows]
        atomic.write_text(path, "\n".join(lines) + "\n" if rows else "")
    return rows


def backup_epoch(run_dir) -> int:
    """The epoch a killed run will resume from (0 when there is no backup)."""
    meta = Path(run_dir) / BACKUP / "training_metadata.json"
    try:
        return int(json.loads(meta.read_text())["epoch"])
    except (FileNotFoundError, KeyError, ValueError):
        return 0

