"""The one batched predict: one-hot or tokens in, a float32 score per sequence out.

Scoring, evaluation, scanning, variant effects and the dashboard all call `predict`. Each model
is traced once per output kind (the batch and length axes are `None`), and inputs are one-hot
encoded batch by batch, so memory stays bounded by `batch_size` however many sequences come in.
Strands are handled as the model was trained: a model built with `reverse_complement=True`
averages both strands inside itself.
"""

from __future__ import annotations

import weakref

import numpy as np

from deepmotif.core.errors import DeepMotifError
from deepmotif.core.sequences import one_hot

OUTPUTS = ("probability", "logit")
_COMPILED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


class PredictInputError(DeepMotifError, ValueError):
    """Input is neither tokens `(n, L)` nor one-hot `(n, L, 4)`, or is shorter than the model's window."""


def compiled(model, key, make):
    """The function `make()` built for (`model`, `key`), built once and kept while the model lives."""
    table = _COMPILED.setdefault(model, {})
    if key not in table:
        table[key] = make()
    return table[key]


def _scorer(model, output: str):
    """A callable `(b, L, 4) float32 -> (b,) float32` for `output`, compiled once per model."""

    def make():
        import keras

        target = model
        if output == "logit":
            target = keras.Model(model.inputs, model.get_layer("logit").output, name=f"{model.name}_logit")
        if keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            @tf.function(input_signature=[tf.TensorSpec((None, None, 4), tf.float32)], reduce_retracing=True)
            def score(x):
                return tf.reshape(tf.cast(target(x, training=False), tf.float32), (-1,))

            return score
        return lambda x: np.asarray(target(x, training=False), dtype=np.float32).reshape(-1)

    return compiled(model, ("score", output), make)


def predict(model, x, *, output: str = "probability", batch_size: int = 1024) -> np.ndarray:
    """Score sequences with `model`, batch by batch.

    Parameters
    ----------
    model : keras.Model
        A DeepMotif model: one-hot `(batch, L, 4)` -> probability `(batch, 1)`, with a `logit` layer.
    x : numpy.ndarray
        Either uint8 tokens `(n, L)` (A0 C1 G2 T3 N4; encoded here, one batch at a time) or one-hot
        `(n, L, 4)` float32.
    output : {"probability", "logit"}, default "probability"
        The sigmoid probability, or the float32 logit before it.
    batch_size : int, default 1024
        Sequences per call of the compiled model.

    Returns
    -------
    numpy.ndarray
        `(n,)` float32 scores, in input order.
    """
    if output not in OUTPUTS:
        raise PredictInputError(f"output must be one of {OUTPUTS}, got {output!r}")
    if batch_size < 1:
        raise PredictInputError(f"batch_size must be positive, got {batch_size}")
    x = np.asarray(x)
    if x.ndim not in (2, 3) or (x.ndim == 3 and x.shape[-1] != 4):
        raise PredictInputError(f"expected tokens (n, L) or one-hot (n, L, 4), got shape {x.shape}")
    from deepmotif.zoo.architectures import recorded_window

    window = recorded_window(model)
    if window is not None and x.shape[1] != window:
        raise PredictInputError(f"this model scores windows of {window} bp, got length {x.shape[1]} "
                                "(scan longer sequences with deepmotif.zoo.scan)")
    if len(x) == 0:
        return np.zeros((0,), np.float32)
    score = _scorer(model, output)
    parts = []
    for start in range(0, len(x), batch_size):
        batch = x[start:start + batch_size]
        batch = one_hot(batch) if batch.ndim == 2 else batch.astype(np.float32, copy=False)
        parts.append(np.asarray(score(batch), dtype=np.float32))
    return np.concatenate(parts)
