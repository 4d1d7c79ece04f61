"""Training under `tf.distribute`: several GPUs of one machine (`MirroredStrategy`) or several
machines (`MultiWorkerMirroredStrategy`, the cluster read from `TF_CONFIG`).

Keras 3's `fit` fails under `MultiWorkerMirroredStrategy` (keras-team/keras#20585; checked with
TensorFlow 2.21 and Keras 3.15 on two workers on 127.0.0.1: "Attempt to convert a value
(PerReplica...) to a Tensor"), so under a strategy `fit_distributed` runs the recipe's step itself:
each global batch of `pipeline.epoch_batches` is cut into one contiguous slice per replica, the
per-replica gradients of `sum(loss) / global batch` are all-reduced (summed), clipped as the recipe
says (on the summed gradient, as a single process clips it), and applied by the recipe's optimizer,
so every replica holds the same weights after each step and a run matches a single-process run
with the same global batch up to float rounding (batch norm normalizes each replica's slice, as
Keras does under any strategy). The same Keras callbacks write the run directory: history,
best checkpoint, early stopping, per-epoch backup; a killed run resumes from the chief's backup,
which the chief sends to every worker. Only the chief (worker 0) writes `--out`; the other
workers write into a temporary directory they delete at the end.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path

import numpy as np

from deepmotif.core.errors import DeepMotifError, UnknownNameError

STRATEGIES = ("auto", "none", "mirrored", "multiworker")


def cluster() -> tuple[int, int]:
    """`(number of workers, this worker's index)` from `$TF_CONFIG` (`(1, 0)` without one)."""
    text = os.environ.get("TF_CONFIG")
    if not text:
        return 1, 0
    try:
        config = json.loads(text)
        workers = list(config.get("cluster", {}).get("worker", [])) + list(config.get("cluster", {}).get("chief", []))
        task = config.get("task", {})
        index = int(task.get("index", 0)) + (1 if task.get("type") == "worker" and "chief" in config["cluster"] else 0)
    except (ValueError, TypeError, AttributeError, KeyError) as e:
        raise DeepMotifError(f"$TF_CONFIG is not a TensorFlow cluster spec ({e}): {text[:200]!r}") from e
    return max(1, len(workers)), index


def resolve_strategy(name: str = "auto") -> str:
    """`auto` -> `multiworker` when `$TF_CONFIG` names several workers, else `mirrored` with several
    GPUs, else `none` (plain Keras `fit`). Other names are returned as given (checked)."""
    if name not in STRATEGIES:
        raise UnknownNameError("distribution strategy", str(name), STRATEGIES)
    if name != "auto":
        return name
    if cluster()[0] > 1:
        return "multiworker"
    import tensorflow as tf

    return "mirrored" if len(tf.config.list_physical_devices("GPU")) > 1 else "none"


def make_strategy(name: str):
    """The `tf.distribute.Strategy` of a resolved strategy name, or None for `none`."""
    import tensorflow as tf

    if name == "none":
        return None
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multiworker":
        if "TF_CONFIG" not in os.environ:
            raise DeepMotifError("--strategy multiworker needs $TF_CONFIG (the cluster: every worker's host:port "
                                 "and this worker's index); see the README's Slurm and Kubernetes examples")
        options = tf.distribute.experimental.CommunicationOptions(
            implementation=tf.distribute.experimental.CommunicationImplementation.RING)
        return tf.distribute.MultiWorkerMirroredStrategy(communication_options=options)
    raise UnknownNameError("distribution strategy", str(name), STRATEGIES)


def is_chief(strategy) -> bool:
    """Whether this process writes the run directory (worker 0, or any single-machine strategy)."""
    return strategy is None or strategy.cluster_resolver is None or cluster()[1] == 0


def weights_sha256(model) -> str:
    """sha256 of every weight's bytes, in order: equal exactly when the weights are bit-identical."""
    digest = hashlib.sha256()
    for w in model.get_weights():
        digest.update(np.ascontiguousarray(w).tobytes())
    return digest.hexdigest()


def _replica_slices(global_ds, strategy):
    """Per-worker dataset: each global batch `(x, y)` -> the slices of this worker's replicas, in
    order; replica `r` of `N` gets rows `[r*b//N, (r+1)*b//N)` of a batch of `b`."""
    import tensorflow as tf

    total = strategy.num_replicas_in_sync

    def dataset_fn(context):
        local = total // context.num_input_pipelines
        first = context.input_pipeline_id * local

        def cut(x, y):
            b = tf.shape(y)[0]
            bounds = [(r * b) // total for r in range(first, first + local + 1)]
            parts = [tf.data.Dataset.from_tensors((x[bounds[j]:bounds[j + 1]], y[bounds[j]:bounds[j + 1]], b))
                     for j in range(local)]
            out = parts[0]
            for part in parts[1:]:
                out = out.concatenate(part)
            return out

        return global_ds.flat_map(cut)

    return strategy.distribute_datasets_from_function(dataset_fn)


def _from_first_replica(strategy, arrays: list[np.ndarray]) -> list[np.ndarray]:
    """Every replica gets replica 0's (the chief's) `arrays`: an all-reduce sum in which only
    replica 0 contributes. Integer arrays travel as float64 (exact below 2**53)."""
    import tensorflow as tf

    values = [tf.constant(np.asarray(a, np.float64)) for a in arrays]

    @tf.function
    def send(values):
        context = tf.distribute.get_replica_context()
        first = tf.equal(context.replica_id_in_sync_group, 0)
        return [context.all_reduce("sum", tf.where(first, v, tf.zeros_like(v))) for v in values]

    result = strategy.run(send, args=(values,))
    return [strategy.experimental_local_results(r)[0].numpy().astype(np.asarray(a).dtype)
            for r, a in zip(result, arrays)]


def _restore_from_chief(strategy, model, backup, resume_epoch: int) -> int:
    """Start every worker where the chief starts: the chief sends its backup file (weights and
    optimizer state of its last finished epoch) and every worker loads it. Loading is done by all
    workers together, because an assignment to a multi-worker variable is a collective operation."""
    import tempfile

    path = backup.weights_file() if backup is not None and is_chief(strategy) else None
    data = np.frombuffer(path.read_bytes(), np.uint8) if path is not None else np.zeros(0, np.uint8)
    epoch, size = (int(v) for v in _from_first_replica(strategy, [np.array([resume_epoch, data.size])])[0])
    if size == 0:
        return 0
    local = data if data.size else np.zeros(size, np.uint8)
    (received,) = _from_first_replica(strategy, [local.astype(np.float32)])  # bytes are exact in float32
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "backup.weights.h5"
        copy.write_bytes(received.astype(np.uint8).tobytes())
        model.load_weights(str(copy))
    return epoch


def _step_function(model, optimizer, recipe: dict, strategy, thresholds):
    """One distributed training step: `(loss sum, confusion counts (4, T), examples)` of the step."""
    import keras
    import tensorflow as tf

    variables = model.trainable_variables
    # Batch norm updates its moving statistics from each replica's own slice: average them after
    # every step, so all replicas (and workers) keep the same model.
    moving = [v for layer in model._flatten_layers() if isinstance(layer, keras.layers.BatchNormalization)
              for v in (layer.moving_mean, layer.moving_variance)]
    replicas = strategy.num_replicas_in_sync
    clipnorm, clipvalue = recipe.get("clipnorm"), recipe.get("clipvalue")
    thr = tf.constant(thresholds, tf.float32)

    def replica_step(x, y, size):
        size = tf.cast(size, tf.float32)

        def compute():
            with tf.GradientTape() as tape:
                p = tf.reshape(tf.cast(model(x, training=True), tf.float32), [-1])
                loss = tf.reduce_sum(keras.losses.binary_crossentropy(y[:, None], p[:, None])) / size
            return loss, tape.gradient(loss, variables), p

        def nothing():  # a replica's slice of a last batch smaller than the replica count
            return tf.constant(0.0), [tf.zeros_like(v) for v in variables], tf.zeros([0])

        loss, grads, p = tf.cond(tf.shape(y)[0] > 0, compute, nothing)
        context = tf.distribute.get_replica_context()
        grads = context.all_reduce("sum", grads)
        if clipnorm is not None:
            grads = [tf.clip_by_norm(g, float(clipnorm)) for g in grads]
        if clipvalue is not None:
            grads = [tf.clip_by_value(g, -float(clipvalue), float(clipvalue)) for g in grads]
        # The optimizer sums the replicas' gradients again: hand each the global gradient / replicas.
        optimizer.apply([g / replicas for g in grads], variables)
        above = p[:, None] > thr[None, :]
        positive = (y > 0.5)[:, None]
        counts = tf.stack([tf.reduce_sum(tf.cast(a & b, tf.float32), 0) for a, b in
                           ((above, positive), (above, ~positive), (~above, ~positive), (~above, positive))])
        return context.all_reduce("sum", [loss * size, counts, tf.cast(tf.shape(y)[0], tf.float32)])

    @tf.function(reduce_retracing=True)
    def step(iterator):
        x, y, size = next(iterator)
        result = strategy.run(replica_step, args=(x, y, size))
        if moving:
            means = strategy.run(lambda: tf.distribute.get_replica_context().all_reduce(
                "mean", [tf.identity(v.value) for v in moving]))
            for v, mean in zip(moving, means):
                v.assign(strategy.experimental_local_results(mean)[0])
        return [strategy.experimental_local_results(r)[0] for r in result]

    return step


def _add_counts(metric, counts) -> None:
    """Add `(tp, fp, tn, fn)` counts per threshold to a `keras.metrics.AUC`."""
    for var, c in zip((metric.true_positives, metric.false_positives, metric.true_negatives,
                       metric.false_negatives), counts):
        var.assign_add(c)


def _validation_logs(model, val_ds) -> dict:
    import keras

    from deepmotif.zoo.prediction import predict

    xs, ys = zip(*((x.numpy(), y.numpy()) for x, y in val_ds))
    p = predict(model, np.concatenate(xs), output="probability")
    y = np.concatenate(ys).astype(np.float32)
    logs = {"val_loss": float(keras.losses.BinaryCrossentropy()(y, p))}
    for name, curve in (("val_auroc", "ROC"), ("val_auprc", "PR")):
        metric = keras.metrics.AUC(curve=curve)
        metric.update_state(y, p)
        logs[name] = float(metric.result())
    return logs


def fit_distributed(model, train, val_ds, run_dir, recipe: dict, callbacks: list, *, n_train: int, strategy,
                    resume_epoch: int, verbose: int = 1) -> float:
    """Train `model` (built under `strategy.scope()`) with the recipe's step under `strategy`.

    Parameters
    ----------
    model : keras.Model
        Uncompiled; compiled here (for the optimizer and the callbacks), never `fit`.
    train : callable
        `train(epochs=, start_epoch=)` -> global batches `(one_hot (b, L, 4), label (b,))`
        (`pipeline.epoch_batches`), the same on every worker.
    val_ds : tf.data.Dataset
        Validation batches, scored on each worker alone (no collective ops).
    callbacks : list of keras.callbacks.Callback
        Those of `training.training_callbacks`, driven here epoch by epoch.
    resume_epoch : int
        The epoch this worker's backup reaches; the chief's is used by all.

    Returns
    -------
    float
        Seconds spent training.
    """
    import time

    import keras

    from deepmotif.zoo.recipes import make_optimizer
    from deepmotif.zoo.resumption import EpochBackup

    epochs, batch = int(recipe["epochs"]), int(recipe["batch_size"])
    steps = max(1, math.ceil(n_train / batch))
    unclipped = {**recipe, "clipnorm": None, "clipvalue": None}  # clipped after the all-reduce instead
    with strategy.scope():
        optimizer = make_optimizer(unclipped, steps)
        model.compile(optimizer=optimizer, loss=keras.losses.BinaryCrossentropy())
        optimizer.build(model.trainable_variables)
    several_workers = strategy.cluster_resolver is not None and cluster()[0] > 1
    backup = next((c for c in callbacks if isinstance(c, EpochBackup)), None)
    if several_workers and backup is not None:
        backup.restore = False  # restored below by every worker at once
    tracked = keras.callbacks.CallbackList(callbacks, model=model, add_history=False, add_progbar=False)
    model.stop_training = False
    tracked.on_train_begin()
    if several_workers:
        resume_epoch = _restore_from_chief(strategy, model, backup, resume_epoch)
    auroc, auprc = keras.metrics.AUC(name="auroc"), keras.metrics.AUC(curve="PR", name="auprc")
    step = _step_function(model, optimizer, recipe, strategy, auroc.thresholds)
    iterator = iter(_replica_slices(train(epochs=epochs, start_epoch=min(resume_epoch, epochs - 1)), strategy))
    start = time.perf_counter()
    for epoch in range(resume_epoch, epochs):
        tracked.on_epoch_begin(epoch)
        auroc.reset_state()
        auprc.reset_state()
        loss_sum = seen = 0.0
        for _ in range(steps):
            loss, counts, n = step(iterator)
            loss_sum, seen = loss_sum + float(loss), seen + float(n)
            _add_counts(auroc, counts)
            _add_counts(auprc, counts)
        logs = {"loss": loss_sum / max(seen, 1.0), "auroc": float(auroc.result()), "auprc": float(auprc.result()),
                **_validation_logs(model, val_ds)}
        if verbose:
            shown = "  ".join(f"{k} {v:.4f}" for k, v in sorted(logs.items()))
            print(f"Epoch {epoch + 1}/{epochs} ({strategy.num_replicas_in_sync} replicas): {shown}", flush=True)
        tracked.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    tracked.on_train_end()
    return time.perf_counter() - start


def agree_with_chief(strategy, flag: bool) -> bool:
    """The chief's `flag` on every worker (a collective: every worker must call it)."""
    return bool(_from_first_replica(strategy, [np.array([1.0 if flag else 0.0])])[0][0])
