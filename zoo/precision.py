"""Precision policies for training: `auto`, `float32`, `mixed_float16`, `mixed_bfloat16`.

`auto` means `mixed_float16` when an accelerator is visible, else `float32`. Keras applies loss
scaling itself for `mixed_float16` (`Model.compile(auto_scale_loss=True)`); the architectures keep
`logit` and `probability` in float32 whatever the policy.
"""

from __future__ import annotations

import contextlib

import keras

from deepmotif.core.errors import UnknownNameError

PRECISIONS = ("auto", "float32", "mixed_float16", "mixed_bfloat16")


def has_gpu() -> bool:
    """True when the Keras backend sees a GPU."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return bool(tf.config.list_physical_devices("GPU"))
    if backend == "jax":
        import jax

        return any(d.platform == "gpu" for d in jax.devices())
    if backend == "torch":
        import torch

        return torch.cuda.is_available()
    return False


def resolve_precision(name: str) -> str:
    """`name` -> a concrete Keras dtype policy name (`auto` decided by the hardware)."""
    if name not in PRECISIONS:
        raise UnknownNameError("precision", name, PRECISIONS)
    if name == "auto":
        return "mixed_float16" if has_gpu() else "float32"
    return name


@contextlib.contextmanager
def precision_policy(name: str):
    """Set the global dtype policy for building a model; restore the previous one afterwards.

    Yields the resolved policy name.
    """
    resolved = resolve_precision(name)
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(resolved)
    try:
        yield resolved
    finally:
        keras.config.set_dtype_policy(previous)
