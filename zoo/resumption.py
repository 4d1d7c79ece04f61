"""Exact resumption: a run killed at any moment and started again ends with the same history and
weights as a run never killed (on CPU, with op determinism on).

Everything an epoch consumes is either restored from the backup or a pure function of
`(seed, epoch)`:
- weights and optimizer state (moments, step counter, hence the learning-rate schedule):
  `EpochBackup`, written atomically at each epoch end (weights file first, then the small
  `training_metadata.json` that points at it, so a kill leaves the old epoch or the new one, never a
  mix of the two);
- the order of the training examples: `deepmotif.datasets.pipeline.epoch_batches` (epoch `e`
  is shuffled with `(seed, e)`);
- dropout and every other Keras `SeedGenerator`: `EpochSeeds` sets their state from `(seed, epoch)`
  at each epoch start (Keras's own weight files do not hold it);
- early stopping's patience counter and best value: `ResumedEarlyStopping` replays the kept history;
- the best model so far: `BestCheckpoint`, saved atomically, its threshold read from the history.
A kill in the middle of an epoch loses that epoch: the run restarts from the last epoch boundary.
"""

from __future__ import annotations

import json
from pathlib import Path

import keras
import numpy as np

from deepmotif.core import atomic

METADATA = "training_metadata.json"
SEED_STATE = "seed_generator_state"  # the variable name Keras gives every SeedGenerator's state
_SEED_MODULUS = 2**31 - 2  # Keras folds TensorFlow seeds into int32 with this modulus


class EpochBackup(keras.callbacks.BackupAndRestore):
    """`BackupAndRestore` whose every save is atomic: `epoch-<n>.weights.h5` is written under a
    temporary name and renamed, then `training_metadata.json` (`{"epoch", "batch", "weights"}`) is
    replaced to point at it, then older weight files are removed."""

    def __init__(self, backup_dir, restore: bool = True):
        super().__init__(str(backup_dir), save_freq="epoch", delete_checkpoint=True)
        self.restore = restore  # False: the caller restores (every worker of a cluster must, together)

    def _metadata(self) -> dict | None:
        path = Path(self.backup_dir) / METADATA
        try:
            return json.loads(path.read_text())
        except FileNotFoundError:
            return None

    def weights_file(self) -> Path | None:
        """The weights file of the last finished epoch, or None without a backup."""
        meta = self._metadata()
        return None if meta is None else Path(self.backup_dir) / meta.get("weights", "latest.weights.h5")

    def on_train_begin(self, logs=None):
        if self.restore:
            self._load_model()

    def _load_model(self):
        meta = self._metadata()
        if meta is None:
            return
        weights = self.weights_file()
        if self.model.optimizer is not None and not self.model.optimizer.built:
            self.model.optimizer.build(self.model.trainable_variables)
        self.model.load_weights(str(weights))
        self.model._initial_epoch = int(meta["epoch"])  # what Keras's BackupAndRestore sets

    def _save_model(self):
        folder = Path(self.backup_dir)
        folder.mkdir(parents=True, exist_ok=True)
        name = f"epoch-{self._current_epoch}.weights.h5"
        with atomic.atomic_path(folder / name) as tmp:
            self.model.save_weights(str(tmp), overwrite=True)
        atomic.write_json(folder / METADATA, {"epoch": self._current_epoch, "batch": 0, "weights": name})
        for old in folder.glob("epoch-*.weights.h5"):
            if old.name != name:
                old.unlink(missing_ok=True)


class BestCheckpoint(keras.callbacks.Callback):
    """`ModelCheckpoint(save_best_only=True)` whose save is atomic: the previous best model stays
    whole until the new one is complete (a kill or a full disk mid-save cannot corrupt it).

    Saves `path` (a `.keras` file) when `logs[monitor]` beats `best` (strictly; NaN never does).
    """

    def __init__(self, path, monitor: str, mode: str, best: float | None = None):
        super().__init__()
        self.path, self.monitor, self.mode, self.best = Path(path), monitor, mode, best

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is None or not np.isfinite(value):
            return
        if self.best is None or (value > self.best if self.mode == "max" else value < self.best):
            with atomic.atomic_path(self.path) as tmp:
                self.model.save(str(tmp))
            self.best = float(value)


def seed_states(model) -> list:
    """The state variables of every Keras `SeedGenerator` in `model` (dropout and the like)."""
    return [v for v in model.variables if v.name == SEED_STATE]


def epoch_seed(initial: int, epoch: int) -> int:
    """A generator's seed for `epoch`: a hash of its initial seed and the epoch."""
    return int(np.random.SeedSequence([int(initial), int(epoch)]).generate_state(1, np.uint64)[0] % _SEED_MODULUS)


class EpochSeeds(keras.callbacks.Callback):
    """At each epoch start, set every SeedGenerator of the model to `[epoch_seed(initial, epoch), 0]`,
    where `initial` is the seed it was built with (the same in a resumed run: it is built under the
    same global seed). Dropout masks then depend on `(seed, epoch, step)` only."""

    def on_train_begin(self, logs=None):
        self._states = seed_states(self.model)
        self._initial = [int(np.asarray(v.numpy())[0]) for v in self._states]

    def on_epoch_begin(self, epoch, logs=None):
        for var, initial in zip(self._states, self._initial):
            var.assign(np.array([epoch_seed(initial, epoch), 0], dtype=var.dtype))


class ResumedEarlyStopping(keras.callbacks.EarlyStopping):
    """EarlyStopping that, on resume, replays the epochs kept in `history` (rows of `history.csv`),
    so its patience counter and best value are those of the run before the kill."""

    def __init__(self, history: list[dict], **kwargs):
        super().__init__(**kwargs)
        self._history = list(history)

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        for row in self._history:
            super().on_epoch_end(int(row["epoch"]), row)
        self.model.stop_training = False
