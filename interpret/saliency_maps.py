"""Saliency (Simonyan et al. 2013; the Deep Motif Dashboard's first view): the derivative of
the positive-class logit with respect to the one-hot input, computed in float32."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from deepmotif.interpret.batching import compiled, run_batched
from deepmotif.interpret.inputs import check_input
from deepmotif.interpret.logits import differentiable_logit_model

METHODS = ("abs_grad_x", "grad_x", "grad")


def input_gradients(model, x, batch_size: int = 256) -> np.ndarray:
    """d logit / d x for `x (n, L, 4)` float32 -> `(n, L, 4)` float32."""
    x = check_input(model, x)
    logit = differentiable_logit_model(model)

    def make():
        @tf.function(input_signature=[tf.TensorSpec((None, x.shape[1], 4), tf.float32)], reduce_retracing=True)
        def gradient(batch):
            with tf.GradientTape() as tape:
                tape.watch(batch)
                score = tf.reduce_sum(logit(batch, training=False))
            return tape.gradient(score, batch)
        return gradient

    fn = compiled(model, ("input_gradients", x.shape[1]), make)
    return run_batched(fn, x, batch_size)


def saliency(model, x, method: str = "abs_grad_x", batch_size: int = 256) -> np.ndarray:
    """Saliency maps: the gradient of the float32 logit with respect to the one-hot input.

    Parameters
    ----------
    model : keras.Model
        A DeepMotif model (one-hot `(batch, L, 4)` -> probability, with a `logit` layer); mixed-precision
        models are differentiated in float32.
    x : numpy.ndarray, shape (n, L, 4)
        One-hot sequences (tokens `(n, L)` are one-hot encoded first).
    method : {"abs_grad_x", "grad_x", "grad"}, default "abs_grad_x"
        "abs_grad_x": the paper's `|grad| * x` (non-zero only at the observed base); "grad_x": signed
        `grad * x` (what TF-MoDISco and similar tools need); "grad": the raw gradient.
    batch_size : int, default 256

    Returns
    -------
    numpy.ndarray, shape (n, L, 4), float32
    """
    if method not in METHODS:
        from deepmotif.core.errors import UnknownNameError

        raise UnknownNameError("saliency method", method, METHODS)
    x = check_input(model, x)
    grad = input_gradients(model, x, batch_size)
    if method == "grad":
        return grad
    if method == "grad_x":
        return grad * x
    return np.abs(grad) * x
