"""One exported SavedModel per architecture for the whole run (inference and scanning share it)."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

from training_speed import model_config


@functools.lru_cache(maxsize=None)
def _root() -> Path:
    return Path(tempfile.mkdtemp(prefix="bench_export_"))


@functools.lru_cache(maxsize=None)
def exported(arch: str):
    """`(keras_model, signatures)`: `arch` under the default recipe with random weights, written by
    `zoo.saved_models.write_saved_model` and loaded back with `tf.saved_model.load`."""
    import tensorflow as tf

    from deepmotif.zoo.architectures import build
    from deepmotif.zoo.saved_models import write_saved_model

    model = build(**model_config(arch)[0])
    path = _root() / arch
    write_saved_model(model, path)
    loaded = tf.saved_model.load(str(path))
    exported.keep = getattr(exported, "keep", []) + [loaded]  # signatures need their object alive
    return model, loaded.signatures
