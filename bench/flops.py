"""FLOPs per sequence of a DeepMotif model, counted from its layers, and the machine's matmul ceiling.

Only the multiply-adds of the weight layers are counted (2 FLOPs each): a `Conv1D` costs
`2 * kernel.size * output_length`, an `LSTM` direction `2 * (kernel.size + recurrent_kernel.size)`
per time step, a `Dense` `2 * kernel.size` per position. Biases, batch norm, activations, pooling
and the LSTM's gate arithmetic are left out (under 5% here), so "% of ceiling" is a slight
under-estimate. Training is counted as 3x the forward pass (forward, input gradient, weight gradient).
Works with any Keras backend (bench/gpu.py uses it under JAX).
"""

from __future__ import annotations

import time

import numpy as np

TRAINING_FACTOR = 3


def _calls(layer) -> int:
    """How many times `layer` is applied in its parent graph (a shared strand network: twice)."""
    return max(1, len(getattr(layer, "_inbound_nodes", ()) or ()))


def _window(model) -> int:
    for layer in model.layers:
        if hasattr(layer, "length") and layer.name == "window":  # TrainedWindow
            return int(layer.length)
    if model.inputs[0].shape[1] is None:
        raise ValueError(f"model {model.name!r} records no window length: pass seq_len")
    return int(model.inputs[0].shape[1])


def forward_flops(model, seq_len: int | None = None) -> int:
    """Forward FLOPs per sequence of `model` (a DeepMotif architecture), nested models included.

    Parameters
    ----------
    model : keras.Model
        Built functional model taking one-hot `(batch, L, 4)`.
    seq_len : int, optional
        Sequence length L; default the window the model records.

    Returns
    -------
    int
        Multiply-add FLOPs (x2) of one forward pass of one sequence of length `seq_len`.
    """
    import keras

    seq_len = int(seq_len or _window(model))
    counted, probes, nested = [], [], 0
    for layer in model.layers:
        if isinstance(layer, keras.Model):  # the shared strand network: applied once per strand
            nested += forward_flops(layer, seq_len) * _calls(layer)
        elif isinstance(layer, keras.layers.Bidirectional):
            counted.append(layer)
            probes.append(layer.input)  # its LSTMs run once per input position
        elif isinstance(layer, (keras.layers.Conv1D, keras.layers.Dense)):
            counted.append(layer)
            probes.append(layer.output)
    if not counted:
        return int(nested)
    # Lengths are symbolic (the Input is `(None, 4)`): run one zero sequence to read them.
    shapes = keras.Model(model.inputs, probes)([np.zeros((1, seq_len, 4), np.float32)])
    shapes = [tuple(s.shape) for s in (shapes if isinstance(shapes, (list, tuple)) else [shapes])]
    total = nested
    for layer, shape in zip(counted, shapes):
        positions = int(shape[1]) if len(shape) == 3 else 1
        if isinstance(layer, keras.layers.Bidirectional):
            for direction in (layer.forward_layer, layer.backward_layer):
                cell = direction.cell
                total += 2 * (int(np.prod(cell.kernel.shape)) + int(np.prod(cell.recurrent_kernel.shape))) * positions
        else:
            total += 2 * int(np.prod(layer.kernel.shape)) * positions
    return int(total)


def matmul_ceiling(seconds: float = 2.0, sizes=(512, 1024, 2048)) -> dict:
    """This machine's float32 matrix-multiply rate in GFLOP/s, the best of numpy (BLAS) and TensorFlow.

    Each size is timed for about `seconds / len(sizes)` per library; the best single product counts
    (a ceiling is what the cores can do, not what they do while shared). Returns
    `{"ceiling_gflops", "by_library": {lib: {size: gflops}}}`.
    """
    import tensorflow as tf

    rng = np.random.default_rng(0)
    results: dict[str, dict[int, float]] = {"numpy": {}, "tensorflow": {}}
    budget = seconds / (2 * len(sizes))
    for n in sizes:
        a = rng.standard_normal((n, n), dtype=np.float32)
        b = rng.standard_normal((n, n), dtype=np.float32)
        ta, tb = tf.constant(a), tf.constant(b)
        product = tf.function(lambda: tf.matmul(ta, tb))
        for lib, run in (("numpy", lambda: a @ b), ("tensorflow", lambda: product().numpy())):
            run()
            best, end = float("inf"), time.perf_counter() + budget
            while True:
                start = time.perf_counter()
                run()
                best = min(best, time.perf_counter() - start)
                if start > end:
                    break
            results[lib][n] = round(2 * n**3 / best / 1e9, 1)
    ceiling = max(v for lib in results.values() for v in lib.values())
    return {"ceiling_gflops": ceiling, "by_library": results}
