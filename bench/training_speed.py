"""Training throughput: the project's training path beside the same Keras model fed from memory and
a PyTorch twin (bench/torch_reference.py), alternated round by round.

The project path is `deepmotif.zoo.training.train` exactly as `deepmotif train` calls it (default
recipe, precision `auto`, seed 0, the real TFDS pipeline, validation, checkpoints, CSV, TensorBoard
and backups every epoch), with `verbose=0`. One timer callback is appended to its callbacks: it times
each epoch's training phase (epoch start to the start of validation) and, at each epoch end, runs
one round of the two other contenders on the same examples, so the rounds go A B C A B C. Epoch 0
(graph tracing) is a warm-up for all three.
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from timing import ratio, stats

ARCHS = ("cnn", "rnn", "cnn_rnn")


def model_config(arch: str, seq_len: int = 101) -> tuple[dict, dict]:
    """`(architecture config, recipe)` of `arch` under the `default` recipe, as `train` merges them."""
    from deepmotif.zoo.hyperparameters import architecture_config
    from deepmotif.zoo.recipes import get_recipe

    recipe = get_recipe("default", arch)
    overrides = {**recipe["arch_overrides"].get(arch, {}),
                 "reverse_complement": recipe.get("reverse_complement") == "average"}  # both strands, as train builds it
    return architecture_config(arch, seq_len, **overrides), recipe


def compiled_keras_model(cfg: dict, recipe: dict, steps_per_epoch: int):
    """`build(**cfg)` compiled as `zoo.training.fit_model` compiles (optimizer, loss, AUC metrics)."""
    import keras

    from deepmotif.zoo.architectures import build
    from deepmotif.zoo.recipes import make_optimizer

    model = build(**cfg)
    model.compile(
        optimizer=make_optimizer(recipe, steps_per_epoch),
        loss=keras.losses.BinaryCrossentropy(),
        metrics=[keras.metrics.AUC(name="auroc"), keras.metrics.AUC(curve="PR", name="auprc")],
    )
    return model


def training_arrays(dataset: str, data_dir, n: int | None) -> tuple[np.ndarray, np.ndarray]:
    """The first `n` training examples in stored order (what `max_train_examples=n` trains on):
    one-hot `(n, L, 4)` float32 and labels `(n,)` float32."""
    from deepmotif.core.sequences import one_hot
    from deepmotif.datasets.pipeline import prepared_builder, read_split

    arrays = read_split(prepared_builder(dataset, data_dir=data_dir), dataset, "train")
    tokens, labels = arrays["tokens"][:n], arrays["label"][:n]
    return one_hot(tokens), labels.astype(np.float32)


def keras_round(cfg: dict, recipe: dict, x: np.ndarray, y: np.ndarray, batch: int):
    """`(warm_up, one_round)` for the Keras model fed in-memory tensors through `train_on_batch`."""
    import tensorflow as tf

    steps = math.ceil(len(x) / batch)
    model = compiled_keras_model(cfg, recipe, steps)
    xb = [tf.constant(x[i:i + batch]) for i in range(0, len(x), batch)]
    yb = [tf.constant(y[i:i + batch]) for i in range(0, len(y), batch)]

    def one_round() -> float:
        start = time.perf_counter()
        for a, b in zip(xb, yb):
            model.train_on_batch(a, b)
        return len(x) / (time.perf_counter() - start)

    def warm_up():
        for a, b in list(zip(xb, yb))[:3]:
            model.train_on_batch(a, b)

    return warm_up, one_round


THREAD_CHOICES = tuple(sorted({1, os.cpu_count() or 1}))


def best_torch_threads(run_steps) -> int:
    """Set torch's thread count to whichever of 1 and all cores runs `run_steps()` faster (best of
    two alternated tries each); returns it.

    On a loaded machine OpenMP's spinning threads can make 2 threads several times slower than 1,
    which would flatter the project; the reference gets its better setting."""
    import torch

    timings = {threads: float("inf") for threads in THREAD_CHOICES}
    for _ in range(2):
        for threads in THREAD_CHOICES:
            torch.set_num_threads(threads)
            run_steps()
            start = time.perf_counter()
            run_steps()
            timings[threads] = min(timings[threads], time.perf_counter() - start)
    best = min(timings, key=timings.get)
    torch.set_num_threads(best)
    return best


def best_of_threads(run) -> tuple[float, int]:
    """`run()` (returning a rate) under each thread count of `THREAD_CHOICES`; the best rate and its count.
    Used every round, since which count wins changes with the machine's load."""
    import torch

    rates = {}
    for threads in THREAD_CHOICES:
        torch.set_num_threads(threads)
        rates[threads] = run()
    best = max(rates, key=rates.get)
    return rates[best], best


def torch_round(cfg: dict, recipe: dict, x: np.ndarray, y: np.ndarray, batch: int):
    """`(warm_up -> threads, one_round)` for the PyTorch twin fed in-memory tensors; each round is
    the better of 1 and all threads (`one_round.threads` lists the count that won each round)."""
    import torch

    from torch_reference import TorchMotifModel, make_trainer

    torch.manual_seed(0)
    model = TorchMotifModel(cfg)
    step = make_trainer(model, recipe, math.ceil(len(x) / batch))
    xb = [torch.from_numpy(x[i:i + batch]) for i in range(0, len(x), batch)]
    yb = [torch.from_numpy(y[i:i + batch]) for i in range(0, len(y), batch)]

    def epoch() -> float:
        start = time.perf_counter()
        for a, b in zip(xb, yb):
            step(a, b)
        return len(x) / (time.perf_counter() - start)

    def one_round() -> float:
        rate, threads = best_of_threads(epoch)
        chosen.append(threads)
        return rate

    def warm_up() -> int:
        return best_torch_threads(lambda: [step(a, b) for a, b in list(zip(xb, yb))[:3]])

    chosen: list[int] = []
    one_round.threads = chosen
    return warm_up, one_round


@contextmanager
def extra_callback(callback):
    """Append `callback` to the callbacks `zoo.training` gives every run (and only that)."""
    from deepmotif.zoo import training

    original = training.training_callbacks

    def with_timer(*args, **kwargs):
        return list(original(*args, **kwargs)) + [callback]

    training.training_callbacks = with_timer
    try:
        yield
    finally:
        training.training_callbacks = original


def round_robin_timer(n_train: int, between):
    """A Keras callback timing each epoch's training phase and whole epoch; calls `between(epoch)`
    at each epoch end (after every other callback)."""
    import keras

    class RoundRobin(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.train_rates, self.epoch_rates = [], []

        def on_epoch_begin(self, epoch, logs=None):
            self.started, self.train_seconds = time.perf_counter(), None

        def on_test_begin(self, logs=None):
            if self.train_seconds is None:  # validation starts: the training phase is over
                self.train_seconds = time.perf_counter() - self.started

        def on_epoch_end(self, epoch, logs=None):
            whole = time.perf_counter() - self.started
            if epoch > 0:  # epoch 0 traces the graphs
                self.train_rates.append(n_train / (self.train_seconds or whole))
                self.epoch_rates.append(n_train / whole)
            between(epoch)

    return RoundRobin()


def measure_arch(arch: str, dataset: str, data_dir, rounds: int, max_train_examples: int | None,
                 run_root: Path, log=print) -> dict:
    """Alternate the three contenders for `rounds` rounds on `arch`; medians and ratios.

    The project run is left in `run_root/<arch>` (the dashboard benchmark reuses it)."""
    from deepmotif.zoo.training import train

    cfg, recipe = model_config(arch)
    batch = int(recipe["batch_size"])
    x, y = training_arrays(dataset, data_dir, max_train_examples)
    keras_warm, keras_once = keras_round(cfg, recipe, x, y, batch)
    torch_warm, torch_once = torch_round(cfg, recipe, x, y, batch)
    rates: dict[str, list] = {"keras_in_memory": [], "torch": []}

    def between(epoch: int) -> None:
        if epoch == 0:
            keras_warm()
            torch_warm()
            return
        rates["keras_in_memory"].append(keras_once())
        rates["torch"].append(torch_once())
        log(f"  {arch} round {epoch}/{rounds}: project {timer.train_rates[-1]:.0f}, keras in memory "
            f"{rates['keras_in_memory'][-1]:.0f}, torch {rates['torch'][-1]:.0f} seq/s")

    timer = round_robin_timer(len(x), between)
    out = run_root / arch
    started = time.perf_counter()
    with extra_callback(timer):
        summary = train(dataset, arch, str(out), epochs=rounds + 1, seed=0, data_dir=data_dir,
                        max_train_examples=max_train_examples, overwrite=True, verbose=0,
                        command="bench/run.py")
    project = stats(timer.train_rates)
    keras_mem = stats(rates["keras_in_memory"])
    torch_ = stats(rates["torch"])
    return {
        "batch_size": batch,
        "n_train": len(x),
        "train_seq_per_s": project["median"],
        "train_epoch_seq_per_s": stats(timer.epoch_rates)["median"],
        "keras_in_memory_train_seq_per_s": keras_mem["median"],
        "torch_train_seq_per_s": torch_["median"],
        "train_over_torch": ratio(project["median"], torch_["median"]),
        "train_over_keras_in_memory": ratio(project["median"], keras_mem["median"]),
        "torch_threads": torch_once.threads,
        "train_run_seconds": round(time.perf_counter() - started, 1),
        "test_auroc_after_run": (summary.get("test") or {}).get("auroc"),
        "rounds": {"project": project, "project_epoch": stats(timer.epoch_rates), "keras_in_memory": keras_mem,
                   "torch": torch_, "project_rates": [round(r, 1) for r in timer.train_rates],
                   "keras_in_memory_rates": [round(r, 1) for r in rates["keras_in_memory"]],
                   "torch_rates": [round(r, 1) for r in rates["torch"]]},
    }


def measure(dataset: str, data_dir, rounds: int, max_train_examples: int | None, run_root=None,
            archs=ARCHS, log=print) -> dict:
    """`measure_arch` for each architecture; `{arch: result}`."""
    run_root = Path(run_root or tempfile.mkdtemp(prefix="bench_runs_"))
    results = {}
    for arch in archs:
        log(f"training: {arch} ({rounds} rounds after a warm-up epoch)")
        results[arch] = measure_arch(arch, dataset, data_dir, rounds, max_train_examples, run_root, log)
    return results


def measure_precisions(archs=ARCHS, policies=("float32", "mixed_float16", "mixed_bfloat16"), n: int = 1024,
                       rounds: int = 3, log=print) -> dict:
    """Training sequences/s of the Keras model fed from memory under each precision policy on this
    machine (policies alternated round by round); `{arch: {policy: stats}}`."""
    from deepmotif.zoo.precision import precision_policy

    rng = np.random.default_rng(0)
    x = np.eye(4, dtype=np.float32)[rng.integers(0, 4, (n, 101))]
    y = rng.integers(0, 2, n).astype(np.float32)
    out = {}
    for arch in archs:
        cfg, recipe = model_config(arch)
        contenders = {}
        for policy in policies:
            with precision_policy(policy):
                warm, once = keras_round(cfg, recipe, x, y, int(recipe["batch_size"]))
            warm()
            contenders[policy] = once
        rates = {policy: [] for policy in policies}
        for _ in range(rounds):
            for policy, once in contenders.items():
                rates[policy].append(once())
        out[arch] = {policy: stats(r) for policy, r in rates.items()}
        log(f"  precision {arch}: " + ", ".join(f"{p} {s['median']:.0f}" for p, s in out[arch].items()) + " seq/s")
    return out
