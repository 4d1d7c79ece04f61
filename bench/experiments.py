"""A/B experiments behind bench/optimization_log.md: variants of the Keras training step and of
inference, each alternated with the baseline round by round in one process (medians of rounds).

    python bench/experiments.py training [--archs rnn cnn_rnn] [--rounds 5] [--n 1024]
    python bench/experiments.py inference [--archs cnn] [--rounds 5]
    python bench/experiments.py export [--archs rnn cnn_rnn] [--rounds 5]
    python bench/experiments.py fit [--archs cnn cnn_rnn] [--rounds 4] [--steps 64]

Training variants (the model compiled as `zoo.training.fit_model` compiles it, fed from memory):
`baseline` (what `build` trains: the bi-LSTM through `zoo.fused_lstm`'s BlockLSTM kernels);
`keras_lstm` (Keras's own LSTM loops); on Keras's loops, since XLA cannot compile BlockLSTM: `xla`
(`jit_compile=True`); `unroll` (the LSTMs unrolled over the 101 steps instead of a while loop);
`unroll_xla`. Inference variants of a `tf.function` over the Keras model at batch
1024: `baseline`; `xla`; `chunks128` (the batch scored 128 at a time inside one call). Export variants:
`serving_default` of SavedModels of one model (the recipe's: both strands, batch norm in the cnn and
cnn_rnn) written by `zoo.saved_models.write_saved_model`, at batch 1024: `keras_layers`
(`fuse_lstm=False, fold_batch_norm=False`), `fused_lstm` (`fold_batch_norm=False`) and `lean` (both,
what exports write).
Fit variants (the project's path: `fit` over `datasets.pipeline.epoch_batches` with `steps_per_epoch`,
under `zoo.training.deterministic`, with `zoo.training.training_callbacks` less the backup; one epoch per
variant per round): `keras_bn` (Keras's own batch norm gradient); `lean_bn` (what `fit_model` runs:
`zoo.batch_norm_gradient`); `fused_bn` (batch norm as `FusedBatchNormV3`, different arithmetic);
`spe8`, `spe32` (`steps_per_execution`, with `keras_bn`). Each reports whether its weights after the
rounds equal `keras_bn`'s bit for bit.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

from timing import stats  # noqa: E402
from training_speed import model_config  # noqa: E402


@contextlib.contextmanager
def keras_lstm_loops(active: bool = True):
    """While active, models trace Keras's own LSTM loops instead of `zoo.fused_lstm`'s kernels."""
    from deepmotif.zoo import fused_lstm

    original = fused_lstm.runs_fused
    if active:
        fused_lstm.runs_fused = lambda layer: False
    try:
        yield
    finally:
        fused_lstm.runs_fused = original


def _unroll(model) -> int:
    """Unroll every LSTM of `model` (read when the step is traced); returns how many."""
    import keras

    count = 0
    for layer in model._flatten_layers():
        if isinstance(layer, keras.layers.LSTM):
            layer.unroll = True
            count += 1
    return count


def compile_as_fit_model(model, recipe: dict, steps_per_epoch: int, **options) -> None:
    """Compile `model` as `zoo.training.fit_model` does (optimizer, loss, both AUC metrics), plus `options`."""
    import keras

    from deepmotif.zoo.recipes import make_optimizer

    model.compile(optimizer=make_optimizer(recipe, steps_per_epoch), loss=keras.losses.BinaryCrossentropy(),
                  metrics=[keras.metrics.AUC(name="auroc"), keras.metrics.AUC(curve="PR", name="auprc")], **options)


def training_variants(arch: str, n: int, rounds: int) -> dict:
    import keras
    import tensorflow as tf

    from deepmotif.zoo.architectures import build

    cfg, recipe = model_config(arch)
    batch = int(recipe["batch_size"])
    rng = np.random.default_rng(0)
    x = np.eye(4, dtype=np.float32)[rng.integers(0, 4, (n, 101))]
    y = rng.integers(0, 2, n).astype(np.float32)
    xb = [tf.constant(x[i:i + batch]) for i in range(0, n, batch)]
    yb = [tf.constant(y[i:i + batch]) for i in range(0, n, batch)]
    variants = {"baseline": (False, False, False), "xla": (True, False, True)}  # (xla, unroll, Keras's loops)
    if arch != "cnn":
        variants |= {"keras_lstm": (False, False, True), "unroll": (False, True, True), "unroll_xla": (True, True, True)}
    runs = {}
    for name, (xla, unroll, keras_loops) in variants.items():
        keras.utils.set_random_seed(0)
        model = build(**cfg)
        if unroll:
            _unroll(model)
        compile_as_fit_model(model, recipe, len(xb), jit_compile=xla)
        start = time.perf_counter()
        with keras_lstm_loops(keras_loops):  # the step is traced by its first call
            first = model.train_on_batch(xb[0], yb[0], return_dict=True)["loss"]
        runs[name] = {"model": model, "trace_s": round(time.perf_counter() - start, 2), "first_loss": float(first)}
    rates = {name: [] for name in variants}
    for _ in range(rounds):
        for name in variants:
            model = runs[name]["model"]
            start = time.perf_counter()
            for a, b in zip(xb, yb):
                model.train_on_batch(a, b)
            rates[name].append(n / (time.perf_counter() - start))
    out = {}
    for name in variants:
        out[name] = {**stats(rates[name]), "trace_s": runs[name]["trace_s"], "first_loss": runs[name]["first_loss"]}
        out[name]["vs_baseline"] = round(out[name]["median"] / out["baseline"]["median"], 2) if name != "baseline" else 1.0
    return out


def fit_variants(arch: str, steps: int, rounds: int) -> dict:
    import tempfile

    import keras

    from deepmotif.datasets.pipeline import epoch_batches
    from deepmotif.zoo.architectures import build
    from deepmotif.zoo.batch_norm_gradient import lean_batch_norm_gradients
    from deepmotif.zoo.fused_batch_norm import fused_batch_norm_training
    from deepmotif.zoo.resumption import EpochBackup
    from deepmotif.zoo.training import deterministic, training_callbacks

    cfg, recipe = model_config(arch)
    batch = int(recipe["batch_size"])
    n = batch * steps
    rng = np.random.default_rng(0)
    tokens, labels = rng.integers(0, 4, (n, 101)).astype(np.uint8), rng.integers(0, 2, n).astype(np.float32)
    patches = {"keras_bn": None, "lean_bn": lean_batch_norm_gradients, "fused_bn": fused_batch_norm_training,
               "spe8": None, "spe32": None}

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self.start)

    runs = {}
    for name, patch in patches.items():
        with deterministic(0):
            model = build(**cfg)
            if patch is not None:
                patch(model)
            compile_as_fit_model(model, recipe, steps,
                                 steps_per_execution=int(name[3:]) if name.startswith("spe") else 1)
        timer = EpochTimer()
        timer.seconds = []
        run_dir = tempfile.mkdtemp(prefix=f"bench_fit_{name}_")
        callbacks = [timer] + [c for c in training_callbacks(run_dir, recipe, 0, [], 0) if not isinstance(c, EpochBackup)]
        runs[name] = {"model": model, "timer": timer, "callbacks": callbacks}

    def epoch(name: str, e: int) -> None:
        with deterministic(0):
            runs[name]["model"].fit(epoch_batches(tokens, labels, batch, epochs=e + 1, start_epoch=e), epochs=e + 1,
                                    initial_epoch=e, steps_per_epoch=steps, callbacks=runs[name]["callbacks"],
                                    verbose=0, shuffle=False)

    for name in runs:  # epoch 0 traces
        epoch(name, 0)
    names = list(runs)
    for e in range(1, rounds + 1):  # A B C ..., then ... C B A
        for name in names if e % 2 else names[::-1]:
            epoch(name, e)
    reference = runs["keras_bn"]["model"].get_weights()
    out = {}
    for name in names:
        weights = runs[name]["model"].get_weights()
        out[name] = {**stats([n / s for s in runs[name]["timer"].seconds[1:]]),
                     "identical": all(np.array_equal(a, b) for a, b in zip(reference, weights))}
        out[name]["vs_baseline"] = round(out[name]["median"] / out["keras_bn"]["median"], 3)
    return out


def inference_variants(arch: str, rounds: int, batch: int = 1024) -> dict:
    import tensorflow as tf

    from deepmotif.zoo.architectures import build

    cfg, _ = model_config(arch)
    model = build(**cfg)
    x = tf.constant(np.eye(4, dtype=np.float32)[np.random.default_rng(0).integers(0, 4, (batch, 101))])
    spec = [tf.TensorSpec((None, 101, 4), tf.float32)]

    def whole(v):
        return model(v, training=False)

    def chunks(v):
        parts = tf.reshape(v, (-1, 128, 101, 4))
        return tf.reshape(tf.map_fn(lambda p: model(p, training=False), parts,
                                    fn_output_signature=tf.float32), (-1, 1))

    fns = {"baseline": tf.function(whole, input_signature=spec),
           "xla": tf.function(whole, input_signature=spec, jit_compile=True),
           "chunks128": tf.function(chunks, input_signature=spec)}
    with keras_lstm_loops():  # XLA cannot compile BlockLSTM: trace the xla variant on Keras's loops
        fns["xla"](x)
    reference = fns["baseline"](x).numpy()
    diffs = {name: float(np.abs(fn(x).numpy() - reference).max()) for name, fn in fns.items()}
    rates = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            start = time.perf_counter()
            for _ in range(5):
                fn(x).numpy()
            rates[name].append(5 * batch / (time.perf_counter() - start))
    out = {name: {**stats(r), "max_abs_diff": diffs[name]} for name, r in rates.items()}
    for name in out:
        out[name]["vs_baseline"] = round(out[name]["median"] / out["baseline"]["median"], 2)
    return out


def export_variants(arch: str, rounds: int, batch: int = 1024, calls: int = 3) -> dict:
    import tempfile

    import tensorflow as tf

    from deepmotif.zoo.architectures import build
    from deepmotif.zoo.saved_models import write_saved_model

    cfg, _ = model_config(arch)  # the recipe's model: both strands, batch norm in the cnn and cnn_rnn
    model = build(**cfg)
    x = tf.constant(np.eye(4, dtype=np.float32)[np.random.default_rng(0).integers(0, 4, (batch, 101))])
    root = Path(tempfile.mkdtemp(prefix="bench_fused_lstm_"))
    fns, loaded = {}, []
    for name, fuse, fold in (("keras_layers", False, False), ("fused_lstm", True, False), ("lean", True, True)):
        start = time.perf_counter()
        write_saved_model(model, root / name, fuse_lstm=fuse, fold_batch_norm=fold)
        loaded.append(tf.saved_model.load(str(root / name)))  # the signature needs its object alive
        fns[name] = loaded[-1].signatures["serving_default"]
        fns[name](one_hot=x)  # warm
        print(f"  {arch} {name}: exported and loaded in {time.perf_counter() - start:.1f} s", flush=True)
    reference = model(x, training=False).numpy()
    diffs = {name: float(np.abs(fn(one_hot=x)["probability"].numpy() - reference).max()) for name, fn in fns.items()}
    rates, cpu = {name: [] for name in fns}, {name: [] for name in fns}
    for _ in range(rounds):  # A B A B ...
        for name, fn in fns.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            for _ in range(calls):
                fn(one_hot=x)["probability"].numpy()
            rates[name].append(calls * batch / (time.perf_counter() - start))
            cpu[name].append(1000 * (time.process_time() - start_cpu) / calls)
    out = {name: {**stats(r), "max_abs_diff": diffs[name], "cpu_ms_per_batch": round(float(np.median(cpu[name])), 1)}
           for name, r in rates.items()}
    for name in out:
        out[name]["vs_baseline"] = round(out[name]["median"] / out["keras_layers"]["median"], 2)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=("training", "inference", "export", "fit"))
    parser.add_argument("--archs", nargs="+", default=["cnn", "rnn", "cnn_rnn"])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--n", type=int, default=1024)
    parser.add_argument("--steps", type=int, default=64, help="fit: batches per epoch (a multiple of 32)")
    parser.add_argument("--threads", type=int, default=0, help="TensorFlow's intra- and inter-op threads (0: its default)")
    args = parser.parse_args(argv)
    if args.threads:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    for arch in args.archs:
        variants = {"training": lambda: training_variants(arch, args.n, args.rounds),
                    "inference": lambda: inference_variants(arch, args.rounds),
                    "export": lambda: export_variants(arch, args.rounds),
                    "fit": lambda: fit_variants(arch, args.steps, args.rounds)}
        result = variants[args.what]()
        for name, r in result.items():
            extra = {k: r[k] for k in ("trace_s", "first_loss", "max_abs_diff", "cpu_ms_per_batch", "identical") if k in r}
            print(f"{arch:8} {name:11} {r['median']:>9,.0f} seq/s ({r['min']:,.0f}-{r['max']:,.0f}) "
                  f"x{r['vs_baseline']:.2f} {extra}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
