"""In-silico saturation mutagenesis: the change in the positive-class logit when each position
is set to each base, all `L * 4` variants of a batch of sequences scored in one graph call."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from deepmotif.interpret.batching import compiled, run_batched
from deepmotif.interpret.inputs import check_input
from deepmotif.interpret.logits import float32_logit_model


def _make_ism(logit, seq_len: int):
    eye = tf.eye(4)
    positions = tf.eye(seq_len)[:, None, :, None]                      # (L, 1, L, 1): which row changes

    @tf.function(input_signature=[tf.TensorSpec((None, seq_len, 4), tf.float32)], reduce_retracing=True)
    def mutagenize(batch):
        n = tf.shape(batch)[0]
        reference = logit(batch, training=False)[:, 0]                  # (n,)
        # variants[i, l, b] = batch[i] with row l set to base b: (n, L, 4, L, 4)
        rows = eye[None, :, None, :]                                    # (1, 4, 1, 4): the new row
        variants = batch[:, None, None] * (1.0 - positions) + positions * rows
        scores = logit(tf.reshape(variants, [-1, seq_len, 4]), training=False)
        return tf.reshape(scores, [n, seq_len, 4]) - reference[:, None, None]

    return mutagenize


def ism(model, x, batch_size: int = 8) -> np.ndarray:
    """In-silico saturation mutagenesis: the logit change of every single-base substitution.

    Parameters
    ----------
    model : keras.Model
        A DeepMotif model (one-hot `(batch, L, 4)` -> probability, with a `logit` layer).
    x : numpy.ndarray, shape (n, L, 4)
        One-hot sequences (tokens `(n, L)` are one-hot encoded first).
    batch_size : int, default 8
        Sequences per call; each expands to `L * 4` variants.

    Returns
    -------
    numpy.ndarray, shape (n, L, 4), float32
        `logit(x with x[l] := b) - logit(x)`; zero at the observed base.
    """
    x = check_input(model, x)
    logit = float32_logit_model(model)
    fn = compiled(model, ("ism", x.shape[1]), lambda: _make_ism(logit, x.shape[1]))
    return run_batched(fn, x, batch_size)


def ism_importance(deltas: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Per-position importance of the observed base `(n, L)`: minus the mean change over the
    three substitutions (positive where mutating the base away lowers the score)."""
    observed = np.asarray(x).sum(-1) > 0
    return np.where(observed, -np.asarray(deltas).sum(-1) / 3.0, 0.0).astype(np.float32)
