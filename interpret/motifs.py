"""Motifs a model has learned, named by comparison with JASPAR.

- `filter_motifs`: a PWM per first-layer convolution filter from the input windows that
  activate it above `threshold` times its maximum (DeepBind, Basset).
- `attribution_motif`: a PWM from each sequence's highest-attribution window, strands aligned.
- `informative_window`: the most informative stretch of a class-optimization PWM `(L, 4)`.
- `match_jaspar`: TOMTOM (memelite) of PWMs against JASPAR vertebrate CORE, best matches first,
  with p-values, E-values and q-values (Benjamini-Hochberg over all targets of each query).

PWMs are probability matrices `(w, 4)` in ACGT order, rows summing to one.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from deepmotif.interpret.batching import compiled, run_batched
from deepmotif.interpret.errors import UnsupportedModelError
from deepmotif.interpret.inputs import check_input
from deepmotif.interpret.logits import float32_model


def _find_layer(model: keras.Model, name: str):
    """(submodel, layer) for a layer named `name`, looking inside nested models (RC wrappers)."""
    for layer in model.layers:
        if layer.name == name:
            return model, layer
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            found = _find_layer(layer, name)
            if found is not None:
                return found
    return None


def filter_activations(model, x, layer: str = "conv1", batch_size: int = 256) -> np.ndarray:
    """Post-activation outputs of convolution `layer` for one-hot `x (n, L, 4)` -> `(n, P, filters)`."""
    x = check_input(model, x)
    found = _find_layer(model, layer)
    if found is None or not isinstance(found[1], keras.layers.Conv1D):
        raise UnsupportedModelError(f"model {model.name!r} has no convolution layer named {layer!r}")

    def make():
        core, conv = _find_layer(float32_model(model), layer)
        relu = _find_layer(core, f"{layer}_relu")
        output = (relu[1] if relu is not None else conv).output
        activations = keras.Model(core.inputs[0], output)
        return tf.function(lambda batch: activations(batch, training=False),
                           input_signature=[tf.TensorSpec((None, x.shape[1], 4), tf.float32)])

    fn = compiled(model, ("filter_activations", layer, x.shape[1]), make)
    return run_batched(fn, x, batch_size)


def _windows(x: np.ndarray, width: int, padding: str) -> np.ndarray:
    """Every input window a `width` convolution sees: `(n, P, width, 4)` (zero rows for padding)."""
    if padding == "same":
        left = (width - 1) // 2
        x = np.pad(x, ((0, 0), (left, width - 1 - left), (0, 0)))
    return np.lib.stride_tricks.sliding_window_view(x, width, axis=1).transpose(0, 1, 3, 2)


def _normalize(counts: np.ndarray, pseudocount: float) -> np.ndarray:
    counts = np.asarray(counts, np.float64) + pseudocount
    total = counts.sum(-1, keepdims=True)
    return np.where(total > 0, counts / np.where(total > 0, total, 1), 0.25).astype(np.float32)


def filter_motifs(model, x, layer: str = "conv1", threshold: float = 0.5, pseudocount: float = 0.1,
                  batch_size: int = 256) -> list[dict]:
    """One motif per filter of convolution `layer`, from one-hot `x (n, L, 4)`.

    Returns a list (in filter order) of dicts: `filter` index, `pwm (k, 4)` probabilities,
    `n_sites` (windows above `threshold * max activation`), `max_activation`. A filter that
    never activates gets a uniform PWM and `n_sites == 0`.
    """
    x = check_input(model, x)
    activations = filter_activations(model, x, layer, batch_size)            # (n, P, F)
    conv = _find_layer(model, layer)[1]
    width, padding = int(conv.kernel_size[0]), conv.padding
    peak = activations.max(axis=(0, 1))                                        # (F,)
    above = (activations > threshold * peak) & (peak > 0)
    counts = np.zeros((activations.shape[-1], width, 4))
    for start in range(0, len(x), 512):  # bounded memory: windows are (chunk, P, k, 4)
        windows = _windows(x[start:start + 512], width, padding)
        counts += np.einsum("npf,npkc->fkc", above[start:start + 512].astype(np.float32), windows)
    return [{"filter": f, "pwm": _normalize(counts[f], pseudocount if above[..., f].any() else 0.0),
             "n_sites": int(above[..., f].sum()), "max_activation": float(peak[f])}
            for f in range(activations.shape[-1])]


def information_content(pwm: np.ndarray) -> np.ndarray:
    """Bits per position of `(w, 4)` probabilities -> `(w,)`."""
    p = np.clip(np.asarray(pwm, np.float64), 1e-9, 1.0)
    return 2.0 + (p * np.log2(p)).sum(-1)


def informative_window(pwm: np.ndarray, width: int = 12) -> tuple[int, np.ndarray]:
    """The `width` consecutive positions of `pwm (L, 4)` with the most information: `(start, (width, 4))`."""
    width = min(width, len(pwm))
    sums = np.convolve(information_content(pwm), np.ones(width), mode="valid")
    start = int(np.argmax(sums))
    return start, np.asarray(pwm[start:start + width], np.float32)


def attribution_motif(attributions, x, width: int = 12, n_top: int | None = None,
                      pseudocount: float = 0.1) -> np.ndarray:
    """PWM `(width, 4)` from the highest-attribution window of each sequence.

    `attributions (n, L, 4)` (or `(n, L)`) and one-hot `x (n, L, 4)`; `n_top` keeps only the
    sequences whose best window scores highest. Windows are put on one strand by aligning each
    (or its reverse complement) to the running consensus.
    """
    x = np.asarray(x, np.float32)
    scores = np.asarray(attributions, np.float32)
    scores = scores.sum(-1) if scores.ndim == 3 else scores
    sums = np.lib.stride_tricks.sliding_window_view(scores, width, axis=1).sum(-1)   # (n, P)
    starts = sums.argmax(axis=1)
    order = np.argsort(-sums[np.arange(len(x)), starts], kind="stable")[:n_top]
    windows = np.stack([x[i, starts[i]:starts[i] + width] for i in order])           # (m, w, 4)
    flipped = windows[:, ::-1, ::-1]
    consensus = windows[0]
    for _ in range(3):
        forward = (windows * consensus).sum((1, 2)) >= (flipped * consensus).sum((1, 2))
        aligned = np.where(forward[:, None, None], windows, flipped)
        consensus = aligned.mean(0)
    return _normalize(aligned.sum(0), pseudocount)


def _benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """q-values of p-values along the last axis."""
    order = np.argsort(p, axis=-1)
    ranked = np.take_along_axis(p, order, -1) * p.shape[-1] / np.arange(1, p.shape[-1] + 1)
    ranked = np.minimum.accumulate(ranked[..., ::-1], axis=-1)[..., ::-1]
    q = np.empty_like(ranked)
    np.put_along_axis(q, order, np.clip(ranked, 0, 1), -1)
    return q


def match_jaspar(pwms, top: int = 5, targets=None, n_jobs: int = -1) -> list[list[dict]]:
    """TOMTOM each PWM `(w, 4)` against JASPAR vertebrate CORE (or `targets`, a list of
    `Motif(matrix_id, name, probabilities)`) -> per query, its `top` best matches, best first:
    dicts with `matrix_id`, `name`, `p_value`, `e_value`, `q_value`, `offset`, `overlap`,
    `strand` (`+`, or `-` when the target's reverse complement matches)."""
    from memelite import tomtom

    if targets is None:
        from deepmotif.datasets.jaspar import all_vertebrate_core

        targets = all_vertebrate_core()
    queries = [np.asarray(p, np.float64) for p in pwms]
    for i, q in enumerate(queries):
        if q.ndim != 2 or q.shape[1] != 4 or len(q) == 0:
            raise ValueError(f"PWM {i} has shape {q.shape}; expected (w, 4)")
    if not queries:
        return []
    target_mats = [np.asarray(t.probabilities, np.float64).T for t in targets]
    p_values, _, offsets, overlaps, strands = tomtom([q.T for q in queries], target_mats, n_jobs=n_jobs)[:5]
    p_values = np.nan_to_num(np.asarray(p_values, np.float64), nan=1.0)
    q_values = _benjamini_hochberg(p_values)
    results = []
    for i in range(len(queries)):
        best = np.argsort(p_values[i], kind="stable")[:top]
        results.append([{"matrix_id": targets[j].matrix_id, "name": targets[j].name,
                         "p_value": float(p_values[i, j]), "e_value": float(p_values[i, j] * len(targets)),
                         "q_value": float(q_values[i, j]), "offset": int(offsets[i, j]),
                         "overlap": int(overlaps[i, j]), "strand": "-" if strands[i, j] else "+"}
                        for j in best])
    return results
