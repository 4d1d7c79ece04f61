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
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from deepmotif.core.errors import DeepMotifError, UnknownNameError
from deepmotif.core import atomic
from deepmotif.zoo import runs
from deepmotif.zoo.batch_norm_gradient import lean_batch_norm_gradients
from deepmotif.zoo.fused_batch_norm import fused_batch_norm_training
from deepmotif.zoo.evaluation import EmptyDatasetError, predict_split, reference_scores, scores
from deepmotif.zoo.layer_walk import all_layers
from deepmotif.zoo.model_loading import load_run
from deepmotif.zoo.precision import precision_policy, resolve_precision
from deepmotif.zoo.recipes import epoch_learning_rate, get_recipe, make_optimizer

FREEZE = ("none", "conv")
DEFAULT_ARCH = "cnn_rnn"
# Strand handling: `off`; `augment` (each training sequence reverse-complemented with probability
# 1/2, drawn per epoch); `average` (the model scores a sequence and its reverse complement with one
# network and averages the logits, so the exported SavedModel averages too). The default stays
# `off` until it is chosen on validation data (docs/results.md).
REVERSE_COMPLEMENT = ("off", "augment", "average")


def freeze_layers(model, freeze: str) -> list[str]:
    """Freeze the convolution (`conv*` layers and their batch norms) for `freeze="conv"`; returns names."""
    if freeze not in FREEZE:
        raise UnknownNameError("freeze option", freeze, FREEZE)
    frozen = []
    if freeze == "conv":
        for layer in all_layers(model):
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

    from deepmotif.zoo.resumption import BestCheckpoint, EpochBackup, EpochSeeds, ResumedEarlyStopping

    run_dir = Path(run_dir)
    monitor = recipe["monitor"]
    mode = "min" if monitor.endswith("loss") else "max"
    seen = [r[monitor] for r in history if monitor in r and r["epoch"] < resume_epoch]
    best = (min(seen) if mode == "min" else max(seen)) if seen else None
    (run_dir / runs.CHECKPOINT).mkdir(exist_ok=True)
    callbacks = [EpochSeeds()]
    schedule = epoch_learning_rate(recipe)
    if schedule is not None:
        callbacks.append(keras.callbacks.LearningRateScheduler(schedule))
    callbacks += [
        BestCheckpoint(run_dir / runs.BEST_CHECKPOINT, monitor, mode, best),
        keras.callbacks.CSVLogger(str(run_dir / runs.HISTORY), append=True),
        keras.callbacks.TensorBoard(str(run_dir / runs.TENSORBOARD), write_graph=False, profile_batch=0),
    ]
    if recipe.get("early_stopping_patience"):
        callbacks.append(ResumedEarlyStopping([r for r in history if r["epoch"] < resume_epoch], monitor=monitor,
                                              mode=mode, patience=int(recipe["early_stopping_patience"]),
                                              verbose=int(verbose > 0)))
    callbacks.append(EpochBackup(run_dir / runs.BACKUP))
    return callbacks


def fit_model(model, train_ds, val_ds, run_dir, recipe: dict, *, n_train: int, verbose: int = 1,
              extra_callbacks=(), strategy=None) -> dict:
    """Compile `model` with the recipe and fit it into `run_dir`; resumes from `run_dir/backup`.

    `train_ds`/`val_ds`: batched `(one_hot (b, L, 4) float32, label (b,) float32)`. `train_ds` is
    either a dataset that reshuffles itself each epoch, or (what `load_training_data` returns, and
    what makes a resumed run equal an uninterrupted one) a callable `train_ds(epochs=, start_epoch=)`
    giving the batches of those epochs back to back, each epoch a pure function of its number
    (`deepmotif.datasets.pipeline.epoch_batches`). Leaves the selected model at `run_dir/model.keras`
    and returns `{"epochs_trained", "best_epoch", "best_<monitor>", "resumed_from_epoch", "train_seconds"}`.
    With a `tf.distribute` `strategy` (the model built under its scope, `train_ds` a callable), the
    recipe's step runs under it (`deepmotif.zoo.distributed.fit_distributed`) instead of `fit`.
    """
    import keras

    run_dir = Path(run_dir)
    steps = max(1, math.ceil(n_train / int(recipe["batch_size"])))
    if strategy is None:
        lean_batch_norm_gradients(model)  # exact arithmetic where the fused kernel does not apply (optimization log 9)
        fused_batch_norm_training(model)  # FusedBatchNormV3: CNN training 1.13x the lean gradient (optimization log 12)
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
    epochs = int(recipe["epochs"])
    if strategy is not None:
        from deepmotif.zoo.distributed import fit_distributed

        seconds = fit_distributed(model, train_ds, val_ds, run_dir, recipe, callbacks, n_train=n_train,
                                  strategy=strategy, resume_epoch=resume_epoch, verbose=verbose)
    else:
        per_epoch = {}
        if callable(train_ds):  # one iterator over all remaining epochs, `steps` batches each
            train_ds = train_ds(epochs=epochs, start_epoch=min(resume_epoch, epochs - 1))
            per_epoch = {"steps_per_epoch": steps}
        start = time.perf_counter()
        model.fit(train_ds, validation_data=val_ds, epochs=epochs, callbacks=callbacks, verbose=verbose,
                  shuffle=False, **per_epoch)  # train_ds shuffles itself
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
                       max_train_examples: int | None = None, reverse_complement: bool = False,
                       max_validation_examples: int | None = None):
    """`(train, val_ds, n_train, n_val, seq_len)` for `dataset`.

    `train(epochs=, start_epoch=)` gives the training batches of those epochs
    (`deepmotif.datasets.pipeline.epoch_batches`): the split in file order, optionally capped to its
    first `max_train_examples` (TFDS stores examples in a hashed, i.e. random, order), reshuffled
    every epoch from `(seed, epoch)`; with `reverse_complement`, each training sequence is
    reverse-complemented with probability 1/2, drawn anew every epoch. `val_ds` is the validation
    split in stored order, optionally its first `max_validation_examples`.
    """
    import functools

    import tensorflow as tf

    from deepmotif.datasets import load
    from deepmotif.datasets.pipeline import epoch_batches, prepared_builder, read_split

    kw = dict(manual_dir=manual_dir, data_dir=data_dir)
    arrays = read_split(prepared_builder(dataset, **kw), dataset, "train")
    tokens, labels = arrays["tokens"], arrays["label"]
    if max_train_examples is not None:
        if int(max_train_examples) < 0:
            raise DeepMotifError(f"max_train_examples must be >= 0, got {max_train_examples}")
        tokens, labels = tokens[: int(max_train_examples)], labels[: int(max_train_examples)]
    n_train = len(labels)
    if n_train == 0:
        raise EmptyDatasetError(f"dataset {dataset!r} has an empty train split")
    train = functools.partial(epoch_batches, tokens, labels, batch_size, seed=seed,
                              reverse_complement=bool(reverse_complement))
    val = load(dataset, "validation", batch_size=512, shuffle=False, **kw)
    if max_validation_examples is not None:
        if int(max_validation_examples) < 1:
            raise DeepMotifError(f"max_validation_examples must be >= 1, got {max_validation_examples}")
        val = val.unbatch().take(int(max_validation_examples)).batch(512)
    val = val.cache()
    n_val = count_examples(val)
    if n_val == 0:
        raise EmptyDatasetError(f"dataset {dataset!r} has an empty validation split")
    val = val.apply(tf.data.experimental.assert_cardinality(math.ceil(n_val / 512)))
    return train, val, n_train, n_val, int(tokens.shape[1])


def _source_model(initial_weights_from):
    """`(model, config)` to start from: a keras.Model, a run directory or a `.keras` file."""
    if initial_weights_from is None:
        return None, {}
    if isinstance(initial_weights_from, (str, Path)):
        return load_run(initial_weights_from)
    return initial_weights_from, {}


def train(dataset: str | None = None, arch: str = DEFAULT_ARCH, out="runs/latest", *, epochs: int | None = None,
          batch_size: int | None = None, precision: str = "auto", recipe: str = "default", seed: int = 0,
          manual_dir=None, data_dir=None, overwrite: bool = False, max_train_examples: int | None = None,
          learning_rate: float | None = None, verbose: int = 1, initial_weights_from=None, freeze: str = "none",
          reverse_complement: str | None = None, command: str | None = None, strategy: str = "auto",
          recipe_overrides: dict | None = None, score_test: bool = True,
          max_validation_examples: int | None = None, **arch_overrides) -> dict:
    """Train an architecture on a dataset into a run directory (resumable).

    Re-running with the same configuration resumes a killed run or returns a finished one; a different
    configuration in `out` needs `overwrite=True`. The run directory receives `config.json`,
    `model.keras` (best by the recipe's monitor), `history.csv`, `metrics.json`, `predictions_test.npz`.

    Parameters
    ----------
    dataset : str, optional
        A dataset name; default `DEFAULT_DATASET` (`synthetic_tfbs/gata1`).
    arch : {"cnn", "rnn", "cnn_rnn"}, default "cnn_rnn"
    out : str or pathlib.Path, default "runs/latest"
        The run directory.
    epochs, batch_size, learning_rate : optional
        Override the recipe's.
    precision : {"auto", "float32", "mixed_float16", "mixed_bfloat16"}, default "auto"
        "auto": mixed_float16 on a GPU, else float32.
    recipe : {"default", "demo"}, default "default"
        "demo" is the paper's (`deepmotif.zoo.recipes`).
    seed : int, default 0
    manual_dir, data_dir : str or pathlib.Path, optional
        As in `deepmotif.datasets.load`; recorded as absolute paths, so `evaluate` finds the data
        from any working directory.
    overwrite : bool, default False
    max_train_examples : int, optional
        Train on the first this many training sequences.
    max_validation_examples : int, optional
        Select the model on the first this many validation sequences (a validation set no larger than
        a small training set, as fine-tuning measured fairly needs); `metrics.json` scores the same ones.
    verbose : int, default 1
        Keras verbosity: 0 silent, 1 progress bar, 2 one line per epoch.
    initial_weights_from : keras.Model, str or pathlib.Path, optional
        Fine-tuning: the starting weights (a model, run directory or `.keras` file); its recorded
        hyperparameters are reused.
    freeze : {"none", "conv"}, default "none"
        "conv" freezes the convolution.
    reverse_complement : {"off", "augment", "average"}, optional
        See `REVERSE_COMPLEMENT`; recorded as `config["reverse_complement"]`. None (the default) takes the
        recipe's: "average" for `default` (chosen on validation auROC), "off" for the paper's `demo`; a
        fine-tuned model keeps its source's strands. The older boolean spelling
        (`--set reverse_complement=true`) means "average" (True) or "off".
    strategy : {"auto", "none", "mirrored", "multiworker"}, default "auto"
        `tf.distribute` strategy (`deepmotif.zoo.distributed`): "auto" is "multiworker" when
        `$TF_CONFIG` names several workers, "mirrored" with several GPUs, else "none" (Keras `fit`).
        Only worker 0 writes `out`; the others train in a temporary directory they remove.
    command : str, optional
        The command line recorded in `config.json`.
    recipe_overrides : dict, optional
        Other recipe settings by name (`early_stopping_patience`, `warmup_epochs`, `schedule`, ...;
        `deepmotif.zoo.recipes.RECIPES`), recorded in the run's `config["recipe"]`.
    score_test : bool, default True
        False leaves the test split unread (`metrics.json` then has no `test` entry): for runs that
        only choose hyper-parameters on validation (`bench/recipe_selection.py`).
    **arch_overrides
        Model hyperparameters (`deepmotif.zoo.hyperparameters.DEFAULTS`).

    Returns
    -------
    dict
        The run summary: `metrics.json` (`test` and `validation` `{"auroc", "auprc", "n"}`,
        `train_seconds`, `state`, ...) plus `run_dir`.
    """
    from deepmotif.datasets import DEFAULT_DATASET
    from deepmotif.zoo import distributed

    strategy_name = distributed.resolve_strategy(strategy)
    dist = distributed.make_strategy(strategy_name)  # before any TF op: collectives are set up at start
    from deepmotif.zoo.architectures import architecture_config

    dataset = dataset or DEFAULT_DATASET
    rec = get_recipe(recipe, arch, **{**(recipe_overrides or {}), "epochs": epochs, "batch_size": batch_size,
                                      "learning_rate": learning_rate})
    resolved = resolve_precision(precision)
    if dist is not None and resolved == "mixed_float16":  # the distributed step has no loss scaling
        if precision != "auto":
            raise DeepMotifError(f"--strategy {strategy_name} trains in float32 or mixed_bfloat16, not mixed_float16")
        resolved = "mixed_bfloat16"
    if freeze not in FREEZE:
        raise UnknownNameError("freeze option", freeze, FREEZE)
    # the older spelling, a boolean hyperparameter (`--set reverse_complement=true`, fine-tuning sources)
    legacy = {True: "average", "true": "average", "True": "average", False: "off", "false": "off", "False": "off"}
    reverse_complement = legacy.get(reverse_complement, reverse_complement)
    if reverse_complement is not None and reverse_complement not in REVERSE_COMPLEMENT:
        raise UnknownNameError("reverse_complement option", str(reverse_complement), REVERSE_COMPLEMENT)
    architecture_config(arch, **arch_overrides)  # unknown arch / hyperparameter fail before any work
    source, source_config = _source_model(initial_weights_from)
    base = {} if source is not None else dict(rec["arch_overrides"].get(arch, {}))
    if source_config.get("model"):
        if source_config["model"].get("arch") != arch:
            raise DeepMotifError(f"cannot start a {arch} from a {source_config['model'].get('arch')} model")
        base = {k: v for k, v in source_config["model"].items() if k not in ("arch", "seq_len")}
    source_averages = bool(base.pop("reverse_complement", False))
    if reverse_complement is None:  # the recipe's choice; a fine-tuned model keeps its source's strands
        reverse_complement = ("average" if source_averages else "off") if source is not None else rec.get(
            "reverse_complement", "off")
    elif source_averages and reverse_complement == "off":
        reverse_complement = "average"  # a source that averages strands keeps averaging

    train_ds, val_ds, n_train, n_val, seq_len = load_training_data(
        dataset, rec["batch_size"], seed, manual_dir, data_dir, max_train_examples,
        reverse_complement=reverse_complement == "augment", max_validation_examples=max_validation_examples)
    model_config = architecture_config(arch, seq_len, **{**base, **arch_overrides,
                                                         "reverse_complement": reverse_complement == "average"})
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
        # Absolute, so `deepmotif evaluate RUN_DIR` finds the data from any working directory.
        "manual_dir": str(Path(manual_dir).expanduser().resolve()) if manual_dir else None,
        "data_dir": str(Path(data_dir).expanduser().resolve()) if data_dir else None,
        "initial_weights_from": None if initial_weights_from is None else str(
            initial_weights_from if isinstance(initial_weights_from, (str, Path)) else initial_weights_from.name),
        "freeze": freeze,
        "reverse_complement": reverse_complement,
        "versions": runs.versions(),
        "command": command or shlex.join([Path(sys.argv[0]).name] + sys.argv[1:]),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    if dist is not None:
        config["strategy"] = strategy_name
    if not score_test:  # recorded only when off, so runs made before the option still resume
        config["score_test"] = False
    if max_validation_examples is not None:  # likewise
        config["max_validation_examples"] = int(max_validation_examples)
    chief = distributed.is_chief(dist)
    run_dir = Path(out) if chief else Path(tempfile.mkdtemp(prefix="deepmotif-worker-")) / "run"
    try:
        return _train_into(run_dir, config, overwrite, verbose, model_config, source, freeze, train_ds, val_ds,
                           n_train, dist, resolved)
    finally:
        if not chief:
            shutil.rmtree(run_dir.parent, ignore_errors=True)  # the temporary directory made above


def _train_into(run_dir: Path, config: dict, overwrite: bool, verbose: int, model_config: dict, source, freeze: str,
                train_ds, val_ds, n_train: int, dist, resolved: str) -> dict:
    """`train` from the run directory on: prepare it, fit (under `dist` if given), score."""
    from deepmotif.zoo import distributed
    from deepmotif.zoo.architectures import build

    dataset, manual_dir, data_dir, rec = config["dataset"], config["manual_dir"], config["data_dir"], config["recipe"]
    arch, seed = config["arch"], config["seed"]
    state = runs.prepare_run_dir(run_dir, config, overwrite)
    if dist is not None and distributed.cluster()[0] > 1:
        # Workers other than the chief cannot see its run directory: they train only if it does.
        trains = state == "new" or (run_dir / runs.BACKUP).exists() or not (run_dir / runs.MODEL).is_file()
        if not distributed.agree_with_chief(dist, trains):
            if not distributed.is_chief(dist):
                return {"state": "finished by the chief", "run_dir": None}
    if state == "finished":
        if verbose:
            print(f"{run_dir} already holds this finished run; not retraining.", flush=True)
        return {**runs.read_json(run_dir / runs.METRICS), "run_dir": str(run_dir), "state": "finished"}

    if state == "resume" and (run_dir / runs.MODEL).is_file() and not (run_dir / runs.BACKUP).exists():
        # Training finished but scoring did not (killed or failed): only score it.
        return finish_run(run_dir, dataset, manual_dir, data_dir, {"state": "rescored"},
                          score_test=config.get("score_test", True),
                          max_validation_examples=config.get("max_validation_examples"))

    scope = dist.scope() if dist is not None else contextlib.nullcontext()
    with deterministic(seed), precision_policy(resolved), scope:
        model = build(**model_config)
        if source is not None:
            try:
                model.set_weights(source.get_weights())
            except ValueError as e:
                raise DeepMotifError(f"initial weights do not fit {arch} {model_config}: {e}") from e
        frozen = freeze_layers(model, freeze)
        fit = fit_model(model, train_ds, val_ds, run_dir, rec, n_train=n_train, verbose=verbose, strategy=dist)
    if dist is not None:
        fit["weights_sha256"] = distributed.weights_sha256(model)  # the last epoch's: equal on every worker
        if not distributed.is_chief(dist):
            return {**fit, "state": state, "run_dir": None}
    return finish_run(run_dir, dataset, manual_dir, data_dir, {**fit, "frozen_layers": frozen, "state": state},
                      score_test=config.get("score_test", True),
                      max_validation_examples=config.get("max_validation_examples"))


def finish_run(run_dir, dataset: str, manual_dir=None, data_dir=None, extra: dict | None = None, *,
               score_test: bool = True, max_validation_examples: int | None = None) -> dict:
    """Score `run_dir/model.keras` on validation and test; write `metrics.json`, `predictions_test.npz`.

    `score_test=False` scores validation only (the test split is not read; no `test` entry);
    `max_validation_examples` scores the first this many validation sequences (those training selected on).
    """
    run_dir = Path(run_dir)
    model, _ = load_run(run_dir)
    y_val, s_val, _ = predict_split(model, dataset, "validation", manual_dir, data_dir)
    if max_validation_examples is not None:
        y_val, s_val = y_val[: int(max_validation_examples)], s_val[: int(max_validation_examples)]
    metrics = {"validation": scores(y_val, s_val)}
    if score_test:
        y_test, s_test, ids = predict_split(model, dataset, "test", manual_dir, data_dir)
        with atomic.atomic_path(run_dir / runs.PREDICTIONS) as tmp:
            with open(tmp, "wb") as f:
                np.savez(f, y_true=y_test, y_score=s_test, id=ids)
        metrics = {"test": {**scores(y_test, s_test, bootstrap=1000), **reference_scores(dataset)},  # 95% intervals
                   **metrics}
    metrics.update(extra or {})
    atomic.write_json(run_dir / runs.METRICS, metrics)
    return {**metrics, "run_dir": str(run_dir), "dataset": dataset}
