"""Class optimization (Simonyan et al. 2013; the Deep Motif Dashboard's third view): the input
that maximizes the positive-class logit, found by gradient ascent from random input.

Two parametrizations, all restarts one batch and the whole loop one graph:

- `method="softmax"` (default): each position is `softmax(z)` over A, C, G, T, so the model only
  ever sees a position probability matrix, as it saw one-hot DNA in training; Adam on `z`. The
  objective is `logit(P) - composition * L * KL(mean base composition of P || background)
  - sparsity * (bits of P)`: without the composition term a model that rewards base content (e.g. an
  RNN that scores poly-G above every real sequence) is maximized by runs of one base, and the logo
  shows composition, not motifs.
- `method="l2"`: the paper's `logit(X) - l2 * ||X||^2` on an unconstrained `X`, RMSprop (rho 0.9,
  eps 1e-7, as Keras); the result is clamped at zero and each position normalized, after adding
  `pseudocount` times the restart's largest entry (positions the L2 term drove near zero would
  otherwise turn rounding noise into full-height letters; `pseudocount=0` is the paper's plain
  clamp-and-normalize). Off the simplex, `X` can grow along whatever direction the logit rewards,
  and on the demo's models it finds inputs that score lower than `softmax` finds.

`homopolymer_scores(model)` gives the logit of poly-A, -C, -G and -T: when one scores as high as
the optimized inputs, the model rewards composition.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from deepmotif.core.motif_math import normalize_counts
from deepmotif.interpret.batching import compiled
from deepmotif.interpret.logits import differentiable_logit_model, float32_logit_model, seq_len_of

RHO, EPSILON = 0.9, 1e-7
ADAM_BETA1, ADAM_BETA2 = 0.9, 0.999
INIT_SCALE = 3.0  # spread of the random starting logits z: near one-hot starts, where ReLU filters fire


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


def _make_softmax_optimizer(logit, seq_len: int):
    spec = tf.TensorSpec((None, seq_len, 4), tf.float32)
    scalar = tf.TensorSpec((), tf.float32)

    @tf.function(input_signature=[spec, tf.TensorSpec((), tf.int32), scalar, scalar, tf.TensorSpec((4,), tf.float32),
                                  scalar])
    def optimize(z0, steps, lr, composition, background, sparsity):
        z, m, v = z0, tf.zeros_like(z0), tf.zeros_like(z0)
        for step in tf.range(1, steps + 1):
            with tf.GradientTape() as tape:
                tape.watch(z)
                p = tf.nn.softmax(z, axis=-1)
                mean = tf.reduce_mean(p, axis=1)                                    # (r, 4)
                kl = tf.reduce_sum(mean * tf.math.log(mean / background), axis=-1)  # (r,)
                bits = 2.0 + tf.reduce_sum(p * tf.math.log(p) / np.log(2.0), axis=-1)      # (r, L)
                objective = tf.reduce_sum(logit(p, training=False)[:, 0] - composition * seq_len * kl
                                          - sparsity * tf.reduce_sum(bits, axis=-1))
            grad = tape.gradient(objective, z)
            t = tf.cast(step, tf.float32)
            m = ADAM_BETA1 * m + (1.0 - ADAM_BETA1) * grad
            v = ADAM_BETA2 * v + (1.0 - ADAM_BETA2) * tf.square(grad)
            m_hat, v_hat = m / (1.0 - ADAM_BETA1 ** t), v / (1.0 - ADAM_BETA2 ** t)
            z = z + lr * m_hat / (tf.sqrt(v_hat) + EPSILON)
        return tf.nn.softmax(z, axis=-1)

    return optimize


def to_probabilities(x: np.ndarray, pseudocount: float = 0.0) -> np.ndarray:
    """Clamp `(r, L, 4)` at zero, add `pseudocount * max` per restart, normalize each position;
    all-zero positions -> 0.25."""
    x = np.clip(np.asarray(x, np.float32), 0.0, None)
    return normalize_counts(x, pseudocount * x.max(axis=(-2, -1), keepdims=True))


def _logit_fn(model, seq_len: int):
    logit = float32_logit_model(model)  # scores only, no gradients
    return compiled(model, ("logit", seq_len), lambda: tf.function(
        lambda batch: logit(batch, training=False), input_signature=[tf.TensorSpec((None, seq_len, 4), tf.float32)]))


def homopolymer_scores(model, seq_len: int | None = None) -> dict:
    """The logit of poly-A, poly-C, poly-G and poly-T of the model's length: `{"A": float, ...}`."""
    seq_len = seq_len or seq_len_of(model)
    if seq_len is None:
        raise ValueError("the model accepts any length: pass seq_len")
    x = np.repeat(np.eye(4, dtype=np.float32)[:, None, :], seq_len, axis=1)      # (4, L, 4)
    return {base: float(v) for base, v in zip("ACGT", np.asarray(_logit_fn(model, seq_len)(x))[:, 0])}


def class_optimization(model, n_restarts: int = 8, steps: int = 1000, lr: float | None = None, l2: float = 0.009,
                       seed: int = 0, pseudocount: float = 0.05, seq_len: int | None = None,
                       method: str = "softmax", composition: float = 0.05, sparsity: float = 0.01,
                       background=None) -> tuple[np.ndarray, np.ndarray]:
    """Optimize `n_restarts` random inputs at once for the bound class.

    Parameters
    ----------
    model : keras.Model with a `logit` layer, input `(batch, L, 4)`.
    n_restarts : int, default 8. Independent random starts, optimized as one batch.
    steps : int, default 1000. Gradient steps.
    lr : float, optional. Step size; default 0.1 (`softmax`, Adam) or 0.05 (`l2`, RMSprop).
    l2, pseudocount : `method="l2"` only (see the module docstring).
    seed : int, default 0. Seed of the random starts.
    seq_len : int, optional. Input length when the model records none.
    method : "softmax" (default) or "l2".
    composition : float, default 0.05. `softmax` only: weight of the penalty holding the mean base
        composition of each result to `background` (0 turns it off).
    sparsity : float, default 0.01. `softmax` only: cost per bit of information at each position, so
        positions the logit does not need relax to uniform and the motifs stand out (the role the
        L2 term plays in the paper's method).
    background : (4,) ACGT frequencies, default uniform; e.g. the training data's composition.

    Returns
    -------
    pwms : (r, L, 4) float32 probabilities, best first.
    scores : (r,) float32, the model's logit on each probability matrix itself, descending.
    """
    seq_len = seq_len or seq_len_of(model)
    if seq_len is None:
        raise ValueError("the model accepts any length: pass seq_len")
    if n_restarts < 1 or steps < 0:
        raise ValueError(f"need n_restarts >= 1 and steps >= 0, got {n_restarts}, {steps}")
    if method not in ("softmax", "l2"):
        raise ValueError(f"method must be 'softmax' or 'l2', got {method!r}")
    logit = differentiable_logit_model(model)
    rng = np.random.default_rng(seed)
    if method == "softmax":
        background = np.full(4, 0.25) if background is None else np.asarray(background, np.float64)
        if background.shape != (4,) or (background <= 0).any():
            raise ValueError(f"background must be 4 positive ACGT frequencies, got {background}")
        background = (background / background.sum()).astype(np.float32)
        fn = compiled(model, ("class_optimization", seq_len), lambda: _make_softmax_optimizer(logit, seq_len))
        z0 = rng.normal(0.0, INIT_SCALE, (n_restarts, seq_len, 4)).astype(np.float32)
        pwms = fn(tf.constant(z0), tf.constant(steps, tf.int32), tf.constant(lr or 0.1, tf.float32),
                  tf.constant(composition, tf.float32), tf.constant(background),
                  tf.constant(sparsity, tf.float32)).numpy()
    else:
        fn = compiled(model, ("class_optimization_l2", seq_len), lambda: _make_optimizer(logit, seq_len))
        x0 = rng.uniform(0.0, 1.0, (n_restarts, seq_len, 4)).astype(np.float32)
        x = fn(tf.constant(x0), tf.constant(steps, tf.int32), tf.constant(lr or 0.05, tf.float32),
               tf.constant(l2, tf.float32))
        pwms = to_probabilities(x.numpy(), pseudocount)
    pwms = np.asarray(pwms, np.float32)
    scores = np.asarray(_logit_fn(model, seq_len)(pwms))[:, 0].astype(np.float32)
    order = np.argsort(-scores, kind="stable")
    return pwms[order], scores[order]
