"""Integrated gradients (Sundararajan et al. 2017) of the positive-class logit: the path
integral of the gradient from a baseline to the input, times (input - baseline)."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from deepmotif.interpret.batching import compiled, run_batched
from deepmotif.interpret.inputs import check_input
from deepmotif.interpret.logits import differentiable_logit_model


def _make_ig(logit, seq_len: int):
    spec = tf.TensorSpec((None, seq_len, 4), tf.float32)

    @tf.function(input_signature=[spec, spec, tf.TensorSpec((None,), tf.float32)], reduce_retracing=True)
    def integrate(batch, baseline, alphas):
        # all (steps + 1) points of all sequences in one batch: (k, n, L, 4) -> (k * n, L, 4)
        path = baseline[None] + alphas[:, None, None, None] * (batch - baseline)[None]
        flat = tf.reshape(path, [-1, seq_len, 4])
        with tf.GradientTape() as tape:
            tape.watch(flat)
            score = tf.reduce_sum(logit(flat, training=False))
        grads = tf.reshape(tape.gradient(score, flat), tf.shape(path))
        # trapezoid rule over alphas in [0, 1]
        mean_grad = (tf.reduce_sum(grads, 0) - 0.5 * (grads[0] + grads[-1])) / tf.cast(tf.shape(alphas)[0] - 1, tf.float32)
        return mean_grad * (batch - baseline)

    return integrate


def integrated_gradients(model, x, baseline=None, steps: int = 50, batch_size: int = 32) -> np.ndarray:
    """Integrated gradients of the float32 logit (Sundararajan et al. 2017).

    The sum over `(L, 4)` approximates `logit(x) - logit(baseline)`; the error shrinks as `steps` grows.

    Parameters
    ----------
    model : keras.Model
        A DeepMotif model (one-hot `(batch, L, 4)` -> probability, with a `logit` layer).
    x : numpy.ndarray, shape (n, L, 4)
        One-hot sequences (tokens `(n, L)` are one-hot encoded first).
    baseline : numpy.ndarray, optional
        None for all-zero input (every base `N`), a `(L, 4)` array shared by all sequences (e.g. 0.25
        everywhere, or GC content), or `(n, L, 4)` one per sequence (e.g. dinucleotide shuffles).
    steps : int, default 50
        Points on the straight path from baseline to `x`.
    batch_size : int, default 32
        Sequences per call (each expanded to `steps` inputs).

    Returns
    -------
    numpy.ndarray, shape (n, L, 4), float32
    """
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    x = check_input(model, x)
    base = np.zeros_like(x) if baseline is None else np.asarray(baseline, np.float32)
    base = np.broadcast_to(base, x.shape).astype(np.float32)
    logit = differentiable_logit_model(model)
    fn = compiled(model, ("integrated_gradients", x.shape[1]), lambda: _make_ig(logit, x.shape[1]))
    alphas = np.linspace(0.0, 1.0, steps + 1, dtype=np.float32)
    paired = np.stack([x, base], axis=1)                                 # batch x and baseline together
    return run_batched(lambda chunk, a: fn(chunk[:, 0], chunk[:, 1], a), paired, batch_size, alphas)
