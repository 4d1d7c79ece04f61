"""Motifs a model has learned, named by comparison with JASPAR.

- `filter_motifs`: a PWM per first-layer convolution filter from each sequence's strongest window,
  when above `threshold` times the filter's maximum (DeepBind, Basset), low-information flanks
  trimmed; optionally ranked by information content.
- `filter_influence`: the logit drop when one filter is removed, all filters batched.
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

from deepmotif.core.motif_math import information_content, informative_windows, normalize_counts
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


def _strongest_sites(activations: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Each sequence's strongest window per filter, kept when above `threshold` times the filter's
    maximum over all sequences: `(position (n, F), kept (n, F) bool)`."""
    peak = activations.max(axis=(0, 1))                                        # (F,)
    position = activations.argmax(axis=1)                                      # (n, F)
    strongest = activations.max(axis=1)                                       # (n, F)
    return position, (strongest > threshold * peak) & (peak > 0)


def trim_flanks(pwm: np.ndarray, min_bits: float) -> tuple[int, np.ndarray]:
    """Drop the leading and trailing positions of `pwm (w, 4)` holding less than `min_bits`:
    `(start, pwm[start:end])`. A PWM with no position that informative is returned whole."""
    informative = np.flatnonzero(information_content(pwm) >= min_bits)
    if len(informative) == 0:
        return 0, pwm
    return int(informative[0]), pwm[informative[0]:informative[-1] + 1]


def filter_motifs(model, x, layer: str = "conv1", threshold: float = 0.5, pseudocount: float = 0.1,
                  batch_size: int = 256, sites: str = "strongest", trim_bits: float = 0.3,
                  min_sites: int | float = 0.1, rank_by: str | None = None) -> list[dict]:
    """One motif per filter of convolution `layer`, from one-hot `x (n, L, 4)`.

    Parameters
    ----------
    model : keras.Model with a `Conv1D` named `layer` (possibly inside a strand wrapper).
    x : (n, L, 4) float32 one-hot sequences, e.g. a test set.
    layer : str, default "conv1". The convolution whose filters are read.
    threshold : float, default 0.5. A window is a site when the filter's activation there exceeds
        `threshold` times the filter's maximum over all of `x` (Basset, DeMo).
    pseudocount : float, default 0.1. Added to each base count of a filter with sites.
    sites : "strongest" (default) or "all". "strongest" counts only each sequence's best window
        (DeepBind's choice), so the shifted, partial overlaps of one site around it do not blur the
        PWM; "all" counts every window above the threshold.
    trim_bits : float, default 0.3. Flanking positions with less information are trimmed (0: none).
    min_sites : int or float, default 0.1. With `rank_by`, filters with fewer sites go last: a
        handful of windows gives a confident-looking but meaningless PWM. A float below 1 is a
        fraction of the sequences (at least 10 sites either way).
    rank_by : None (filter order, default) or "information" (most bits first).
    batch_size : int, default 256. Sequences per call of the model.

    Returns
    -------
    list of dicts: `filter` index, `pwm (k, 4)` probabilities (trimmed), `start` (where the
    trimmed PWM begins in the filter's window), `information` (bits of the trimmed PWM), `n_sites`,
    `max_activation`. A filter that never activates gets a uniform PWM and `n_sites == 0`.
    """
    if sites not in ("strongest", "all"):
        raise ValueError(f"sites must be 'strongest' or 'all', got {sites!r}")
    if rank_by not in (None, "information"):
        raise ValueError(f"rank_by must be None or 'information', got {rank_by!r}")
    x = check_input(model, x)
    activations = filter_activations(model, x, layer, batch_size)            # (n, P, F)
    conv = _find_layer(model, layer)[1]
    width, padding = int(conv.kernel_size[0]), conv.padding
    peak = activations.max(axis=(0, 1))                                        # (F,)
    n_filters = activations.shape[-1]
    counts = np.zeros((n_filters, width, 4))
    if sites == "all":
        above = (activations > threshold * peak) & (peak > 0)                  # (n, P, F)
        n_sites = above.sum(axis=(0, 1))
        for start in range(0, len(x), 512):  # bounded memory: windows are (chunk, P, k, 4)
            windows = _windows(x[start:start + 512], width, padding)
            counts += np.einsum("npf,npkc->fkc", above[start:start + 512].astype(np.float32), windows)
    else:
        position, kept = _strongest_sites(activations, threshold)              # (n, F) each
        n_sites = kept.sum(axis=0)
        windows = _windows(x, width, padding)                                  # a view: no copy
        for f in np.flatnonzero(n_sites):
            rows = np.flatnonzero(kept[:, f])
            counts[f] = windows[rows, position[rows, f]].sum(axis=0)
    motifs = []
    for f in range(n_filters):
        pwm = normalize_counts(counts[f], pseudocount if n_sites[f] else 0.0)
        start, trimmed = trim_flanks(pwm, trim_bits) if n_sites[f] and trim_bits > 0 else (0, pwm)
        motifs.append({"filter": f, "pwm": trimmed, "start": start,
                       "information": float(information_content(trimmed).sum()) if n_sites[f] else 0.0,
                       "n_sites": int(n_sites[f]), "max_activation": float(peak[f])})
    if rank_by == "information":
        floor = max(10, int(np.ceil(min_sites * len(x))) if min_sites < 1 else int(min_sites))
        motifs.sort(key=lambda m: (m["n_sites"] < floor, -m["information"]))
    return motifs


def filter_influence(model, x, layer: str = "conv1", filters=None, batch_size: int = 32,
                     filter_chunk: int = 16) -> np.ndarray:
    """How much each filter of convolution `layer` matters: the mean drop of the logit over one-hot
    `x (n, L, 4)` when that filter's output is set to zero (all other filters kept).

    Every removal is one batched forward pass of the layers above `layer`; nothing is retrained.
    For a strand-averaging model the drop is averaged over both strands, as its logit is.

    Parameters
    ----------
    model : keras.Model with a `Conv1D` named `layer` (possibly inside a strand wrapper).
    x : (n, L, 4) float32 one-hot sequences.
    layer : str, default "conv1".
    filters : sequence of int, optional. The filters to remove one at a time; default all.
    batch_size : int, default 32. Sequences per forward pass.
    filter_chunk : int, default 16. Filters removed per batched pass (memory: `batch_size * filter_chunk`).

    Returns
    -------
    (len(filters),) float32 (all filters when `filters` is None): positive when removing the
    filter lowers the bound score.
    """
    x = check_input(model, x)
    found = _find_layer(model, layer)
    if found is None or not isinstance(found[1], keras.layers.Conv1D):
        raise UnsupportedModelError(f"model {model.name!r} has no convolution layer named {layer!r}")
    n_filters = int(found[1].filters)
    filters = np.arange(n_filters) if filters is None else np.asarray(filters, int)
    seq_len = x.shape[1]

    def make():
        full = float32_model(model)
        core, conv = _find_layer(full, layer)
        relu = _find_layer(core, f"{layer}_relu")
        act = (relu[1] if relu is not None else conv).output
        try:
            head = keras.Model(core.inputs[0], act)
            tail = keras.Model(act, core.get_layer("logit").output)
        except (ValueError, KeyError) as e:
            raise UnsupportedModelError(f"cannot split {model.name!r} after {layer!r}: {e}") from e
        both_strands = core is not full

        @tf.function(input_signature=[tf.TensorSpec((None, seq_len, 4), tf.float32),
                                      tf.TensorSpec((None, n_filters), tf.float32)])
        def drop(batch, removed):
            """Sum over the batch of logit(batch) - logit(batch without each row's filters): `(c,)`."""
            inputs = tf.concat([batch, tf.reverse(batch, [1, 2])], 0) if both_strands else batch
            a = head(inputs, training=False)                                           # (b, P, F)
            base = tail(a, training=False)[:, 0]                                        # (b,)
            kept = a[None] * (1.0 - removed)[:, None, None, :]                          # (c, b, P, F)
            shape = tf.shape(kept)
            out = tail(tf.reshape(kept, (-1, shape[2], shape[3])), training=False)[:, 0]
            change = base[None] - tf.reshape(out, (shape[0], shape[1]))                 # (c, b)
            return tf.reduce_sum(change, axis=1) / (2.0 if both_strands else 1.0)

        return drop

    fn = compiled(model, ("filter_influence", layer, seq_len), make)
    eye = np.eye(n_filters, dtype=np.float32)[filters]
    total = np.zeros(len(filters), np.float64)
    for start in range(0, len(x), batch_size):
        batch = tf.constant(x[start:start + batch_size])
        for c in range(0, len(filters), filter_chunk):
            total[c:c + filter_chunk] += fn(batch, tf.constant(eye[c:c + filter_chunk])).numpy()
    return (total / max(len(x), 1)).astype(np.float32)


def informative_window(pwm: np.ndarray, width: int = 12) -> tuple[int, np.ndarray]:
    """The most informative stretch of a PWM, e.g. of a class-optimization result.

    Parameters
    ----------
    pwm : numpy.ndarray, shape (L, 4)
        Probabilities (ACGT).
    width : int, default 12
        Window width; clipped to `L`.

    Returns
    -------
    start : int
        0-based start of the `width` consecutive positions with the most bits (leftmost on ties).
    window : numpy.ndarray, shape (width, 4), float32
        `pwm[start:start + width]`.
    """
    (start, end), = informative_windows(pwm, width, count=1)
    return start, np.asarray(pwm[start:end], np.float32)


def attribution_motif(attributions, x, width: int = 12, n_top: int | None = None,
                      pseudocount: float = 0.1) -> np.ndarray:
    """A PWM from the highest-attribution window of each sequence.

    Windows are put on one strand by aligning each (or its reverse complement) to the running consensus.

    Parameters
    ----------
    attributions : numpy.ndarray, shape (n, L, 4) or (n, L)
        E.g. `saliency(model, x, "grad_x")`; summed over channels when 3-D.
    x : numpy.ndarray, shape (n, L, 4)
        The one-hot sequences attributed.
    width : int, default 12
        Window width.
    n_top : int, optional
        Keep only the `n_top` sequences whose best window scores highest; default all.
    pseudocount : float, default 0.1
        Added to each count before normalizing.

    Returns
    -------
    numpy.ndarray, shape (width, 4), float32
        Probabilities (ACGT), rows summing to 1.
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
    return normalize_counts(aligned.sum(0), pseudocount)


def _benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """q-values of p-values along the last axis."""
    order = np.argsort(p, axis=-1)
    ranked = np.take_along_axis(p, order, -1) * p.shape[-1] / np.arange(1, p.shape[-1] + 1)
    ranked = np.minimum.accumulate(ranked[..., ::-1], axis=-1)[..., ::-1]
    q = np.empty_like(ranked)
    np.put_along_axis(q, order, np.clip(ranked, 0, 1), -1)
    return q


def tomtom_is_compiled() -> bool:
    """Whether numba's cache of memelite's TOMTOM is on disk; if not, the next `match_jaspar`
    compiles it first (about a minute, once per install), which callers should say before it starts."""
    import importlib.util
    import os
    import sys
    from pathlib import Path

    spec = importlib.util.find_spec("memelite.tomtom")
    if spec is None or not spec.origin:
        return True
    folders = [Path(spec.origin).parent / "__pycache__", Path.home() / ".cache" / "numba"]
    if os.environ.get("NUMBA_CACHE_DIR"):
        folders.append(Path(os.environ["NUMBA_CACHE_DIR"]))
    pattern = f"tomtom.*.py{sys.version_info.major}{sys.version_info.minor}.nbi"
    return any(next(folder.rglob(pattern), None) is not None for folder in folders if folder.is_dir())


def match_jaspar(pwms, top: int = 5, targets=None, n_jobs: int = -1) -> list[list[dict]]:
    """TOMTOM (memelite) of each PWM against JASPAR vertebrate CORE, best matches first.

    q-values are Benjamini-Hochberg over all targets of each query. The first call on a fresh install
    compiles TOMTOM (numba, about a minute; `tomtom_is_compiled`).

    Parameters
    ----------
    pwms : sequence of numpy.ndarray, each shape (w, 4)
        Probability matrices (ACGT); widths may differ.
    top : int, default 5
        Matches kept per query.
    targets : sequence of `deepmotif.datasets.jaspar.Motif`, optional
        Default: every JASPAR vertebrate CORE profile (`all_vertebrate_core`).
    n_jobs : int, default -1
        TOMTOM's numba threads (-1: numba's default, every core).

    Returns
    -------
    list of list of dict
        Per query, its `top` matches: `matrix_id`, `name`, `p_value`, `e_value`, `q_value`, `offset`,
        `overlap`, `strand` (`+`, or `-` when the target's reverse complement matches).
    """
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
