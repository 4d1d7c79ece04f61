"""Training: `train()` runs one architecture on one dataset into a run directory.

`train(dataset, arch, out, ...)` loads the splits, merges the recipe (`deepmotif.zoo.recipes`) with
overrides, writes `config.json`, and calls `fit_model()`: Keras `fit` with BackupAndRestore (a killed
run resumes from RUN_DIR/backup), ModelCheckpoint on the monitored metric (validation auROC by
default), CSVLogger, TensorBoard, the learning-rate schedule and optional EarlyStopping. It then
writes `model.keras` (the selected model), `metrics.json` and `predictions_test.npz`.

`fit_model(model, train_ds, val_ds, run_dir, recipe, ...)` is the reusable lower level (fine-tuning
calls it with its own model): it needs a built, uncompiled model and batched tf.data datasets of
`(one_hot (b, L, 4) float32, label (b,) float32)`.
"""

from __future__ import annotations

import contextlib
import math
import shlex
import shutil
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from deepmotif.core.errors import DeepMotifError, UnknownNameError
from deepmotif.core import atomic, runs
from deepmotif.zoo.evaluation import EmptyDatasetError, predict_split, reference_scores, scores
from deepmotif.zoo.precision import precision_policy, resolve_precision
from deepmotif.zoo.recipes import epoch_learning_rate, get_recipe, make_optimizer

FREEZE = ("none", "conv")
DEFAULT_ARCH = "cnn_rnn"


def _all_layers(model):
    for layer in model.layers:
        yield layer
        if hasattr(layer, "layers"):
            yield from _all_layers(layer)


def freeze_layers(model, freeze: str) -> list[str]:
    """Freeze the convolution (`conv*` layers and their batch norms) for `freeze="conv"`; returns names."""
    if freeze not in FREEZE:
        raise UnknownNameError("freeze option", freeze, FREEZE)
    frozen = []
    if freeze == "conv":
        for layer in _all_layers(model):
            if layer.name.startswith("conv"):
                layer.trainable = False
                frozen.append(layer.name)
    return frozen


@contextlib.contextmanager
def deterministic(seed: int):
    """Seed Python, NumPy and the backend, and make TF ops deterministic; restore TF's setting after."""
    import keras

    keras.utils.set_random_seed(int(seed))
    restore = None
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        # Only the private module can read and undo the switch; without it, leave it on.
        try:
            from tensorflow.python.framework import config as tf_config

            if not tf_config.is_op_determinism_enabled():
                restore = tf_config.disable_op_determinism
        except (ImportError, AttributeError):
            pass
        tf.config.experimental.enable_op_determinism()
    try:
        yield
    finally:
        if restore is not None:
            restore()


def count_examples(ds) -> int:
    """Number of examples in a batched `(x, y)` dataset (one pass; fills a `.cache()` upstream)."""
    import tensorflow as tf

    return int(ds.reduce(np.int64(0), lambda n, batch: n + tf.cast(tf.shape(batch[1])[0], tf.int64)))


def training_callbacks(run_dir, recipe: dict, resume_epoch: int, history: list[dict], verbose: int = 1) -> list:
    """The Keras callbacks of one run, in the order that keeps a kill at any moment resumable:
    the best checkpoint and history are written before the backup that marks the epoch done."""
    import keras

    run_dir = Path(run_dir)
    monitor = recipe["monitor"]
    mode = "min" if monitor.endswith("loss") else "max"
    seen = [r[monitor] for r in history if monitor in r and r["epoch"] < resume_epoch]
    best = (min(seen) if mode == "min" else max(seen)) if seen else None
    (run_dir / runs.CHECKPOINT).mkdir(exist_ok=True)
    callbacks = []
    schedule = epoch_learning_rate(recipe)
    if schedule is not None:
        callbacks.append(keras.callbacks.LearningRateScheduler(schedule))
    callbacks += [
        keras.callbacks.ModelCheckpoint(
            str(run_dir / runs.BEST_CHECKPOINT), monitor=monitor, mode=mode, save_best_only=True,
            initial_value_threshold=best, verbose=0,
        ),
        keras.callbacks.CSVLogger(str(run_dir / runs.HISTORY), append=True),
        keras.callbacks.TensorBoard(str(run_dir / runs.TENSORBOARD), write_graph=False, profile_batch=0),
    ]
    if recipe.get("early_stopping_patience"):
        callbacks.append(keras.callbacks.EarlyStopping(monitor=monitor, mode=mode,
                                                       patience=int(recipe["early_stopping_patience"]),
                                                       verbose=int(verbose > 0)))
    callbacks.append(keras.callbacks.BackupAndRestore(str(run_dir / runs.BACKUP), double_checkpoint=True))
    return callbacks


def fit_model(model, train_ds, val_ds, run_dir, recipe: dict, *, n_train: int, verbose: int = 1,
              extra_callbacks=()) -> dict:
    """Compile `model` with the recipe and fit it into `run_dir`; resumes from `run_dir/backup`.

    `train_ds`/`val_ds`: batched `(one_hot (b, L, 4) float32, label (b,) float32)`; `train_ds` should
    reshuffle each epoch. Leaves the selected model at `run_dir/model.keras` and returns
    `{"epochs_trained", "best_epoch", "best_<monitor>", "resumed_from_epoch", "train_seconds"}`.
    """
    import keras

    run_dir = Path(run_dir)
    steps = max(1, math.ceil(n_train / int(recipe["batch_size"])))
    model.compile(
        optimizer=make_optimizer(recipe, steps),
        loss=keras.losses.BinaryCrossentropy(),
        metrics=[keras.metrics.AUC(name="auroc"), keras.metrics.AUC(curve="PR", name="auprc")],
    )
    resume_epoch = runs.backup_epoch(run_dir)
    history = runs.truncate_history(run_dir, resume_epoch)
    if resume_epoch and verbose:
        print(f"Resuming {run_dir} from its backup at epoch {resume_epoch + 1}/{recipe['epochs']}", flush=True)
    callbacks = training_callbacks(run_dir, recipe, resume_epoch, history, verbose) + list(extra_callbacks)
    start = time.perf_counter()
    model.fit(train_ds, validation_data=val_ds, epochs=int(recipe["epochs"]), callbacks=callbacks, verbose=verbose,
              shuffle=False)  # train_ds reshuffles itself
    seconds = time.perf_counter() - start

    best_path = run_dir / runs.BEST_CHECKPOINT
    with atomic.atomic_path(run_dir / runs.MODEL, suffix="") as tmp:
        if best_path.is_file():
            shutil.copyfile(best_path, tmp)
        else:  # the monitored metric was never finite: keep the last weights
            model.save(tmp)
    shutil.rmtree(run_dir / runs.CHECKPOINT, ignore_errors=True)
    history = runs.read_history(run_dir)
    monitor = recipe["monitor"]
    pick = min if monitor.endswith("loss") else max
    best = pick((r for r in history if monitor in r), key=lambda r: r[monitor], default=None)
    return {
        "epochs_trained": len(history),
        "best_epoch": (best["epoch"] + 1) if best else None,
        f"best_{monitor}": best[monitor] if best else None,
        "resumed_from_epoch": resume_epoch,
        "train_seconds": round(seconds, 2),
    }


def load_training_data(dataset: str, batch_size: int, seed: int = 0, manual_dir=None, data_dir=None,
                       max_train_examples: int | None = None):
    """`(train_ds, val_ds, n_train, n_val, seq_len)` for `dataset`.

    The training split is read once in file order, optionally capped to its first
    `max_train_examples` (TFDS stores examples in a hashed, i.e. random, order), cached, and reshuffled
    every epoch with `seed`.
    """
    import tensorflow as tf

    from deepmotif.datasets import load

    kw = dict(manual_dir=manual_dir, data_dir=data_dir)
    train = load(dataset, "train", batch_size=batch_size, shuffle=False, **kw).unbatch()
    if max_train_examples is not None:
        if int(max_train_examples) < 0:
            raise DeepMotifError(f"max_train_examples must be >= 0, got {max_train_examples}")
        train = train.take(int(max_train_examples))
    train = train.cache()
    n_train = count_examples(train.batch(4096))
    if n_train == 0:
        raise EmptyDatasetError(f"dataset {dataset!r} has an empty train split")
    train = (train.shuffle(min(n_train, 200_000), seed=seed, reshuffle_each_iteration=True)
             .batch(batch_size)
             .apply(tf.data.experimental.assert_cardinality(math.ceil(n_train / batch_size)))
             .prefetch(tf.data.AUTOTUNE))
    val = load(dataset, "validation", batch_size=512, shuffle=False, **kw).cache()
    n_val = count_examples(val)
    if n_val == 0:
        raise EmptyDatasetError(f"dataset {dataset!r} has an empty validation split")
    val = val.apply(tf.data.experimental.assert_cardinality(math.ceil(n_val / 512)))
    seq_len = int(train.element_spec[0].shape[1])
    return train, val, n_train, n_val, seq_len


def _source_model(initial_weights_from):
    """`(model, config)` to start from: a keras.Model, a run directory or a `.keras` file."""
    if initial_weights_from is None:
        return None, {}
    if isinstance(initial_weights_from, (str, Path)):
        return runs.load_run(initial_weights_from)
    return initial_weights_from, {}


def train(dataset: str | None = None, arch: str = DEFAULT_ARCH, out="runs/latest", *, epochs: int | None = None,
          batch_size: int | None = None, precision: str = "auto", recipe: str = "default", seed: int = 0,
          manual_dir=None, data_dir=None, overwrite: bool = False, max_train_examples: int | None = None,
          learning_rate: float | None = None, verbose: int = 1, initial_weights_from=None, freeze: str = "none",
          command: str | None = None, **arch_overrides) -> dict:
    """Train `arch` on `dataset` into run directory `out`; returns the run summary (also `metrics.json`).

    `recipe`: `default` or `demo` (the paper's); `epochs`, `batch_size`, `learning_rate` override it.
    `precision`: `auto|float32|mixed_float16|mixed_bfloat16`. `arch_overrides`: model hyperparameters
    (see `architectures.DEFAULTS`). Re-running with the same configuration resumes a killed run or
    returns a finished one; a different configuration in `out` needs `overwrite=True`.
    Fine-tuning: `initial_weights_from` (a keras.Model, run directory or `.keras` file) supplies the
    starting weights (its recorded hyperparameters are reused); `freeze="conv"` freezes the convolution.
    """
    from deepmotif.datasets import DEFAULT_DATASET
    from deepmotif.zoo.architectures import architecture_config, build

    dataset = dataset or DEFAULT_DATASET
    rec = get_recipe(recipe, arch, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate)
    resolved = resolve_precision(precision)
    if freeze not in FREEZE:
        raise UnknownNameError("freeze option", freeze, FREEZE)
    architecture_config(arch, **arch_overrides)  # unknown arch / hyperparameter fail before any work
    source, source_config = _source_model(initial_weights_from)
    base = {} if source is not None else dict(rec["arch_overrides"].get(arch, {}))
    if source_config.get("model"):
        if source_config["model"].get("arch") != arch:
            raise DeepMotifError(f"cannot start a {arch} from a {source_config['model'].get('arch')} model")
        base = {k: v for k, v in source_config["model"].items() if k not in ("arch", "seq_len")}

    train_ds, val_ds, n_train, n_val, seq_len = load_training_data(
        dataset, rec["batch_size"], seed, manual_dir, data_dir, max_train_examples)
    model_config = architecture_config(arch, seq_len, **{**base, **arch_overrides})
    config = {
        "dataset": dataset,
        "arch": arch,
        "model": model_config,
        "recipe": rec,
        "epochs": int(rec["epochs"]),
        "batch_size": int(rec["batch_size"]),
        "precision": precision,
        "precision_policy": resolved,
        "seed": int(seed),
        "max_train_examples": max_train_examples,
        "n_train": n_train,
        "n_validation": n_val,
        "manual_dir": str(manual_dir) if manual_dir else None,
        "data_dir": str(data_dir) if data_dir else None,
        "initial_weights_from": None if initial_weights_from is None else str(
            initial_weights_from if isinstance(initial_weights_from, (str, Path)) else initial_weights_from.name),
        "freeze": freeze,
        "versions": runs.versions(),
        "command": command or shlex.join([Path(sys.argv[0]).name] + sys.argv[1:]),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    run_dir = Path(out)
    state = runs.prepare_run_dir(run_dir, config, overwrite)
    if state == "finished":
        if verbose:
            print(f"{run_dir} already holds this finished run; not retraining.", flush=True)
        return {**runs.read_json(run_dir / runs.METRICS), "run_dir": str(run_dir), "state": "finished"}

    if state == "resume" and (run_dir / runs.MODEL).is_file() and not (run_dir / runs.BACKUP).exists():
        # Training finished but scoring did not (killed or failed): only score it.
        return finish_run(run_dir, dataset, manual_dir, data_dir, {"state": "rescored"})

    with deterministic(seed), precision_policy(resolved):
        model = build(**model_config)
        if source is not None:
            try:
                model.set_weights(source.get_weights())
            except ValueError as e:
                raise DeepMotifError(f"initial weights do not fit {arch} {model_config}: {e}") from e
        frozen = freeze_layers(model, freeze)
        fit = fit_model(model, train_ds, val_ds, run_dir, rec, n_train=n_train, verbose=verbose)
    return finish_run(run_dir, dataset, manual_dir, data_dir, {**fit, "frozen_layers": frozen, "state": state})


def finish_run(run_dir, dataset: str, manual_dir=None, data_dir=None, extra: dict | None = None) -> dict:
    """Score `run_dir/model.keras` on validation and test; write `metrics.json`, `predictions_test.npz`."""
    run_dir = Path(run_dir)
    model, _ = runs.load_run(run_dir)
    y_val, s_val, _ = predict_split(model, dataset, "validation", manual_dir, data_dir)
    y_test, s_test, ids = predict_split(model, dataset, "test", manual_dir, data_dir)
    with atomic.atomic_path(run_dir / runs.PREDICTIONS) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, y_true=y_test, y_score=s_test, id=ids)
    metrics = {
        "test": {**scores(y_test, s_test), **reference_scores(dataset)},
        "validation": scores(y_val, s_val),
        **(extra or {}),
    }
    atomic.write_json(run_dir / runs.METRICS, metrics)
    return {**metrics, "run_dir": str(run_dir), "dataset": dataset}
