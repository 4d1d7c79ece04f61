"""Run a compiled function over an array in fixed-size batches, one `tf.function` per model.

Every method keeps its compiled function in `compiled(model, key, make)` (the one per-model cache,
`deepmotif.zoo.prediction`'s), so a model is traced once per input shape however many times a
method is called (the batch axis is `None`)."""

from __future__ import annotations

import numpy as np

from deepmotif.zoo.prediction import compiled  # noqa: F401  (the one per-model cache; predict uses it too)


def run_batched(fn, x: np.ndarray, batch_size: int, *extra) -> np.ndarray | tuple:
    """`fn(x[i:i+batch_size], *extra)` over all of `x`, outputs concatenated on axis 0."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    outputs = []
    for start in range(0, len(x), batch_size):
        out = fn(x[start:start + batch_size], *extra)
        outputs.append(tuple(np.asarray(o) for o in out) if isinstance(out, (tuple, list)) else np.asarray(out))
    if not outputs:
        raise ValueError("no sequences given")
    if isinstance(outputs[0], tuple):
        return tuple(np.concatenate(parts) for parts in zip(*outputs))
    return np.concatenate(outputs)
