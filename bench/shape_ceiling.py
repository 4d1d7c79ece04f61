"""Shape-matched matmul ceiling: the shortest time a model's own GEMMs could take on this machine.

`flops.matmul_ceiling` is one rate, TensorFlow's best on large square products. The models' layers
lower to small, skinny GEMMs that no library runs at that rate, so this module lists the GEMMs one
forward pass (and one training step) performs at a given batch and times `tf.matmul` on exactly
those shapes (M x K times K x N):

- `Conv1D` as im2col: M = batch x output length, K = kernel width x input channels, N = filters;
- each `LSTM` direction: the input projection of all T steps at once (M = batch x T, K = inputs,
  N = 4 x units) and the recurrent product per step (M = batch, K = units, N = 4 x units, T times);
- `Dense`: M = batch x positions, K = inputs, N = units;

each once per strand when the model averages both strands. Training adds, per GEMM, the input
gradient dX (M x N x K) and the weight gradient dW (K x M x N); dX is left out where the layer
reads the model's input, since nothing upstream needs it (so the training GEMMs are slightly under
`TRAINING_FACTOR` x the forward FLOPs). Each product is timed back to back in a `tf.while_loop`
(so a tiny recurrent product carries the loop's few microseconds per step, as the LSTM's own loop
does), the best of several repeats, and a tall one also as exact row blocks (`row_blocks`), its
fastest split counting. The sum of these times is the fewest seconds
per batch these GEMMs take with TensorFlow's matmul here; biases, batch norm, activations, pooling,
the LSTM's gate arithmetic, the optimizer and the input pipeline all come on top, so no
implementation of these layers on this machine reaches the resulting sequences/s.
The enumeration works under any Keras backend (like `flops.forward_flops`); only the timing
imports TensorFlow.
"""

from __future__ import annotations

import time
from typing import NamedTuple

import numpy as np

import flops

TRAIN_BATCH = 128  # the default recipe's batch (bench/training_speed.py reads it from the recipe)
INFER_BATCH = 1024
MIN_CHUNK_ROWS = 2048  # a tall product may also be timed as row blocks of M/2, M/4, ... down to this


class Gemm(NamedTuple):
    """One matrix product `(m, k) @ (k, n)` a layer performs `count` times per batch."""

    layer: str
    role: str
    m: int
    k: int
    n: int
    count: int
    input_grad: bool = True  # whether training needs this product's input gradient (dX)


def _layer_gemms(layer, shape, batch: int, calls: int, input_grad: bool) -> list[Gemm]:
    """The GEMMs of one Conv1D, Dense or Bidirectional(LSTM) layer; `shape` is its probed output
    shape (Conv1D, Dense) or input shape (Bidirectional) for one sequence."""
    import keras

    positions = int(shape[1]) if len(shape) == 3 else 1
    if isinstance(layer, keras.layers.Bidirectional):
        out = []
        for direction in (layer.forward_layer, layer.backward_layer):
            cell, name = direction.cell, f"{layer.name}.{direction.name}"
            n_in, units = int(cell.kernel.shape[0]), int(cell.units)
            out.append(Gemm(name, "input projection", batch * positions, n_in, 4 * units, calls, input_grad))
            out.append(Gemm(name, "recurrent", batch, units, 4 * units, calls * positions, True))
        return out
    kernel = tuple(int(d) for d in layer.kernel.shape)  # Conv1D: (width, in, filters); Dense: (in, units)
    role = "conv (im2col)" if isinstance(layer, keras.layers.Conv1D) else "dense"
    return [Gemm(layer.name, role, batch * positions, int(np.prod(kernel[:-1])), kernel[-1], calls, input_grad)]


def _model_gemms(model, batch: int, seq_len: int, calls: int, after_weights: bool) -> list[Gemm]:
    import keras

    # Walk the layers in (topological) order; a GEMM layer with no weighted layer before it reads the
    # model's input (through weightless layers such as the window or the reverse complement).
    items, probes = [], []
    for layer in model.layers:
        if isinstance(layer, keras.Model):  # the shared strand network: applied once per strand
            items.append(_model_gemms(layer, batch, seq_len, calls * flops._calls(layer), after_weights))
        elif isinstance(layer, (keras.layers.Bidirectional, keras.layers.Conv1D, keras.layers.Dense)):
            if isinstance(layer, keras.layers.Bidirectional) and not isinstance(layer.forward_layer,
                                                                                keras.layers.LSTM):
                raise ValueError(f"layer {layer.name!r}: only bidirectional LSTMs have a GEMM lowering here")
            items.append((layer, len(probes), not after_weights))
            probes.append(layer.input if isinstance(layer, keras.layers.Bidirectional) else layer.output)
        elif layer.weights and not isinstance(layer, keras.layers.BatchNormalization):
            raise ValueError(f"layer {layer.name!r} ({type(layer).__name__}) of model {model.name!r} has "
                             "weights but no GEMM lowering here: add one to bench/shape_ceiling.py")
        after_weights = after_weights or bool(layer.weights)
    shapes = []
    if probes:  # lengths are symbolic (the Input is `(None, 4)`): run one zero sequence to read them
        shapes = keras.Model(model.inputs, probes)([np.zeros((1, seq_len, 4), np.float32)])
        shapes = [tuple(s.shape) for s in (shapes if isinstance(shapes, (list, tuple)) else [shapes])]
    out = []
    for item in items:
        if isinstance(item, list):
            out += item
        else:
            layer, probe, reads_input = item
            out += _layer_gemms(layer, shapes[probe], batch, calls, input_grad=not reads_input)
    return out


def forward_gemms(model, batch: int = 1, seq_len: int | None = None) -> list[Gemm]:
    """The matrix products of one forward pass of `model` over a batch, layer by layer.

    Parameters
    ----------
    model : keras.Model
        Built DeepMotif architecture taking one-hot `(batch, L, 4)` (strand-averaging models included).
    batch : int, default 1
        Sequences per batch (scales every M).
    seq_len : int, optional
        Sequence length L; default the window the model records.

    Returns
    -------
    list of Gemm
        `(layer, role, m, k, n, count, input_grad)` per product; `2 * m * k * n * count` summed over
        them equals `batch * flops.forward_flops(model, seq_len)`.

    Raises
    ------
    ValueError
        If a layer with weights (other than batch norm) has no GEMM lowering here, so none is missed silently.
    """
    return _model_gemms(model, int(batch), int(seq_len or flops._window(model)), 1, after_weights=False)


def training_gemms(forward: list[Gemm]) -> list[Gemm]:
    """The products of one training step: each forward GEMM, its dX (M x N x K, unless `input_grad` is
    False) and its dW (K x M x N).

    Parameters
    ----------
    forward : list of Gemm
        From `forward_gemms`.

    Returns
    -------
    list of Gemm
        Forward, input-gradient (role suffix " dX") and weight-gradient (" dW") products.
    """
    out = []
    for g in forward:
        out.append(g)
        if g.input_grad:
            out.append(g._replace(role=f"{g.role} dX", k=g.n, n=g.k))
        out.append(g._replace(role=f"{g.role} dW", m=g.k, k=g.m, n=g.n))
    return out


def gemm_flops(gemms: list[Gemm]) -> int:
    """Multiply-add FLOPs (x2) of `gemms`, each counted `count` times."""
    return int(sum(2 * g.m * g.k * g.n * g.count for g in gemms))


def gemm_seconds(m: int, k: int, n: int, seconds: float = 0.03, repeats: int = 5) -> float:
    """Best wall seconds of one float32 `tf.matmul` of `(m, k) @ (k, n)` on this machine.

    The products run back to back in a `tf.while_loop` (one iteration at a time, as an LSTM's steps
    do) of about `seconds` per call, so a small product is not swamped by the ~0.2 ms of a
    `tf.function` call; the best of `repeats` calls counts (other work shares the cores). TensorFlow's
    default thread pools, as in the rest of the bench.

    Parameters
    ----------
    m, k, n : int
        The product's shape.
    seconds : float, default 0.03
        Rough length of one timed call.
    repeats : int, default 5
        Timed calls; the fastest is kept.

    Returns
    -------
    float
        Seconds per product.
    """
    import tensorflow as tf

    rng = np.random.default_rng(0)
    a = tf.constant(rng.standard_normal((m, k), dtype=np.float32))
    b = tf.constant(rng.standard_normal((k, n), dtype=np.float32))

    @tf.function
    def products(times):
        first = tf.matmul(a, b)
        return tf.while_loop(lambda i, c: i < times, lambda i, c: (i + 1, tf.matmul(a, b)), (tf.constant(1), first),
                             parallel_iterations=1)[1]

    def call(times: int) -> float:
        start = time.perf_counter()
        products(tf.constant(times)).numpy()
        return time.perf_counter() - start

    call(1)
    times = 1
    for _ in range(2):  # calibrate: the first estimate includes the call's overhead
        times = int(min(100_000, max(1, times * seconds / call(times))))
    return min(call(times) for _ in range(repeats)) / times


def row_blocks(m: int, smallest: int = MIN_CHUNK_ROWS) -> list[int]:
    """Block heights a product of `m` rows can be split into exactly: `m`, `m / 2`, `m / 4`, ... while
    even and at least `smallest` (the rows of a product are independent, so any implementation may
    run them in blocks that stay in cache, as the CNN's exported `serving_default` does)."""
    out = [m]
    while out[-1] % 2 == 0 and out[-1] // 2 >= smallest:
        out.append(out[-1] // 2)
    return out


def shape_ceiling(gemms: list[Gemm], batch: int, seconds: float = 0.03, repeats: int = 5,
                  cache: dict | None = None) -> dict:
    """Sequences/s if `gemms` (one batch's products) each ran at TensorFlow's best rate for its shape.

    A product of many rows counts as its fastest exact split into row blocks (`row_blocks`).

    Parameters
    ----------
    gemms : list of Gemm
        One batch's products (`forward_gemms` or `training_gemms`).
    batch : int
        Sequences per batch.
    seconds, repeats
        Passed to `gemm_seconds`.
    cache : dict, optional
        `(m, k, n) -> seconds`, shared between calls so each distinct shape is timed once.

    Returns
    -------
    dict
        `{"batch", "gemm_seconds" (per batch), "seq_per_s", "gflops" (the products' FLOPs over their
        summed time), "gemms": [[layer, role, m, k, n, count, block_rows, seconds_each, gflops_each], ...]}`
        (`block_rows`: the row-block height that timed fastest).
    """
    cache = {} if cache is None else cache
    rows, total = [], 0.0
    for g in gemms:
        best = None
        for block in row_blocks(g.m):
            key = (block, g.k, g.n)
            if key not in cache:
                cache[key] = gemm_seconds(*key, seconds=seconds, repeats=repeats)
            each = g.m // block * cache[key]
            if best is None or each < best[1]:
                best = (block, each)
        block, each = best
        total += g.count * each
        rows.append([g.layer, g.role, g.m, g.k, g.n, g.count, block, float(f"{each:.4g}"),
                     round(2 * g.m * g.k * g.n / each / 1e9, 1)])
    return {"batch": batch, "gemm_seconds": float(f"{total:.4g}"), "seq_per_s": round(batch / total, 1),
            "gflops": round(gemm_flops(gemms) / total / 1e9, 1), "gemms": rows}


def measure(archs=("cnn", "rnn", "cnn_rnn"), infer_batch: int = INFER_BATCH, seconds: float = 0.03,
            repeats: int = 5, passes: int = 1, log=None) -> dict:
    """Training (the recipe's batch) and inference (`infer_batch`) shape ceilings of each architecture's
    default model (`training_speed.model_config`: the default recipe, both strands averaged).

    Every distinct shape (row blocks included) is timed once per pass, passes in turn, and its best
    time over all passes counts, so a burst of outside load during one pass does not set the ceiling.

    Returns
    -------
    dict
        `{arch: {"train": shape_ceiling(...), "infer": shape_ceiling(...)}, "square_gflops": float,
        "passes", "repeats"}`; `square_gflops` is the best of square products of 512, 1024 and 2048 (as
        `flops.matmul_ceiling`) timed the same way in each pass, so shape and square rates can be
        compared under the same load.
    """
    from training_speed import model_config

    from deepmotif.zoo.architectures import build

    gemms = {}
    for arch in archs:
        cfg, recipe = model_config(arch)
        model = build(**cfg)
        train_batch = int(recipe.get("batch_size") or TRAIN_BATCH)
        gemms[arch] = {"train": (training_gemms(forward_gemms(model, train_batch)), train_batch),
                       "infer": (forward_gemms(model, infer_batch), infer_batch)}
    squares = [(n, n, n) for n in (512, 1024, 2048)]  # as flops.matmul_ceiling's TensorFlow products
    shapes = squares + sorted({(block, g.k, g.n) for modes in gemms.values() for products, _ in modes.values()
                                for g in products for block in row_blocks(g.m)})
    cache: dict = {}
    for i in range(passes):
        for shape in shapes:
            cache[shape] = min(cache.get(shape, float("inf")), gemm_seconds(*shape, seconds=seconds, repeats=repeats))
        if log:
            log(f"shape ceiling: pass {i + 1} of {passes} timed {len(shapes)} shapes")
    out: dict = {"square_gflops": max(round(2 * n**3 / cache[(n, n, n)] / 1e9, 1) for n, _, _ in squares),
                 "passes": passes, "repeats": repeats}
    for arch, modes in gemms.items():
        out[arch] = {mode: shape_ceiling(products, batch, cache=cache) for mode, (products, batch) in modes.items()}
        if log:
            log(f"shape ceiling {arch}: train {out[arch]['train']['seq_per_s']:,.0f} seq/s (batch "
                f"{out[arch]['train']['batch']}), inference {out[arch]['infer']['seq_per_s']:,.0f} seq/s "
                f"(batch {infer_batch})")
    return out
