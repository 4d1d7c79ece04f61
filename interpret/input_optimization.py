"""Class optimization (Simonyan et al. 2013; the Deep Motif Dashboard's third view): the input
that maximizes the positive-class logit, found by gradient ascent from random input.

Objective per restart: `logit(X) - l2 * ||X||^2`, optimized with RMSprop (rho 0.9, eps 1e-7,
as Keras) for `steps` steps; all restarts are one batch and the whole loop is one graph.
The result is clamped at zero and each position normalized to sum to one, giving probability
matrices `(L, 4)`. Before normalizing, `pseudocount` times the restart's largest entry is added
to every entry: positions the optimization left near zero (most of a CNN's input, where the
L2 term wins) would otherwise turn rounding noise into full-height letters. `pseudocount=0`
is the paper's plain clamp-and-normalize.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from deepmotif.interpret.batching import compiled
from deepmotif.interpret.logits import float32_logit_model, seq_len_of

RHO, EPSILON = 0.9, 1e-7


def _make_optimizer(logit, seq_len: int):
    spec = tf.TensorSpec((None, seq_len, 4), tf.float32)
    scalar = tf.TensorSpec((), tf.float32)

    @tf.function(input_signature=[spec, tf.TensorSpec((), tf.int32), scalar, scalar])
    def optimize(x0, steps, lr, l2):
        x, mean_square = x0, tf.zeros_like(x0)
        for _ in tf.range(steps):
            with tf.GradientTape() as tape:
                tape.watch(x)
                objective = tf.reduce_sum(logit(x, training=False)) - l2 * tf.reduce_sum(tf.square(x))
            grad = tape.gradient(objective, x)
            mean_square = RHO * mean_square + (1.0 - RHO) * tf.square(grad)
            x = x + lr * grad / (tf.sqrt(mean_square) + EPSILON)
        return x

    return optimize


def to_probabilities(x: np.ndarray, pseudocount: float = 0.0) -> np.ndarray:
    """Clamp `(r, L, 4)` at zero, add `pseudocount * max` per restart, normalize each position;
    all-zero positions -> 0.25."""
    x = np.clip(np.asarray(x, np.float32), 0.0, None)
    x = x + pseudocount * x.max(axis=(-2, -1), keepdims=True)
    total = x.sum(-1, keepdims=True)
    return np.where(total > 0, x / np.where(total > 0, total, 1.0), 0.25).astype(np.float32)


def class_optimization(model, n_restarts: int = 8, steps: int = 1000, lr: float = 0.05, l2: float = 0.009,
                       seed: int = 0, pseudocount: float = 0.05,
                       seq_len: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Optimize `n_restarts` random inputs at once -> (`pwms (r, L, 4)` probabilities, `scores (r,)`),
    sorted best first; a score is the model's logit on the probability matrix itself."""
    seq_len = seq_len or seq_len_of(model)
    if seq_len is None:
        raise ValueError("the model accepts any length: pass seq_len")
    if n_restarts < 1 or steps < 0:
        raise ValueError(f"need n_restarts >= 1 and steps >= 0, got {n_restarts}, {steps}")
    logit = float32_logit_model(model)
    fn = compiled(model, ("class_optimization", seq_len), lambda: _make_optimizer(logit, seq_len))
    x0 = np.random.default_rng(seed).uniform(0.0, 1.0, (n_restarts, seq_len, 4)).astype(np.float32)
    x = fn(tf.constant(x0), tf.constant(steps, tf.int32), tf.constant(lr, tf.float32), tf.constant(l2, tf.float32))
    pwms = to_probabilities(x.numpy(), pseudocount)
    score = compiled(model, ("logit", seq_len), lambda: tf.function(
        lambda batch: logit(batch, training=False), input_signature=[tf.TensorSpec((None, seq_len, 4), tf.float32)]))
    scores = np.asarray(score(pwms))[:, 0].astype(np.float32)
    order = np.argsort(-scores, kind="stable")
    return pwms[order], scores[order]
