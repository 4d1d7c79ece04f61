"""Inference latency and throughput: the exported SavedModel (`serving_default` on one-hot windows,
`predict_sequences` on strings), Keras `Model.predict`, the project's one batched predict
(`deepmotif.zoo.prediction.predict`) and the PyTorch twin in `eval()` under `no_grad`, at batch
sizes 1, 32 and 1024. Inputs are made before timing (tensors for the SavedModel and PyTorch, numpy
for the two predicts, as their callers pass them). Weights are random: speed does not depend on them.
"""

from __future__ import annotations

import numpy as np

from timing import per_call, repeats_for, stats
from training_speed import best_of_threads, best_torch_threads, model_config

BATCH_SIZES = (1, 32, 1024)
CONTENDERS = ("savedmodel", "savedmodel_strings", "keras_predict", "project_predict", "torch")


def _strings(tokens: np.ndarray) -> list[bytes]:
    letters = np.frombuffer(b"ACGTN", np.uint8)
    return [letters[row].tobytes() for row in tokens]


def measure_arch(arch: str, rounds: int, target_seconds: float, batch_sizes=BATCH_SIZES, log=print) -> dict:
    """`{batch: {contender: {"seq_per_s", "latency_ms", ...}}}` for `arch`, contenders alternated."""
    import tensorflow as tf
    import torch

    from deepmotif.zoo.prediction import predict
    from exports import exported
    from torch_reference import TorchMotifModel

    cfg, _ = model_config(arch)
    model, signatures = exported(arch)
    torch.manual_seed(0)
    twin = TorchMotifModel(cfg).eval()
    rng = np.random.default_rng(0)
    results = {}
    for batch in batch_sizes:
        tokens = rng.integers(0, 4, (batch, cfg["seq_len"]), dtype=np.uint8)
        x = np.eye(4, dtype=np.float32)[tokens]
        x_tf, x_torch = tf.constant(x), torch.from_numpy(x)
        strings = tf.constant(_strings(tokens))

        def torch_forward():
            with torch.no_grad():
                return twin(x_torch).numpy()

        calls = {
            "savedmodel": lambda: signatures["serving_default"](one_hot=x_tf)["probability"].numpy(),
            "savedmodel_strings": lambda: signatures["predict_sequences"](sequences=strings)["probability"].numpy(),
            "keras_predict": lambda b=batch: model.predict(x, batch_size=b, verbose=0),
            "project_predict": lambda b=batch: predict(model, x, batch_size=b),
            "torch": torch_forward,
        }
        for fn in calls.values():
            fn()
        best_torch_threads(lambda: [torch_forward() for _ in range(3)])
        repeats = {name: repeats_for(fn, target_seconds) for name, fn in calls.items()}
        times: dict[str, list[float]] = {name: [] for name in calls}
        won = []
        for _ in range(rounds):  # A B C D E, A B C D E, ...
            for name, fn in calls.items():
                if name == "torch":  # the better of 1 and all threads, every round
                    rate, threads = best_of_threads(lambda: 1.0 / per_call(fn, repeats[name]))
                    times[name].append(1.0 / rate)
                    won.append(threads)
                else:
                    times[name].append(per_call(fn, repeats[name]))
        row = {}
        for name in calls:
            rates = [batch / t for t in times[name]]
            summary = stats(rates)
            row[name] = {"seq_per_s": summary["median"], "latency_ms": round(1000 * float(np.median(times[name])), 3),
                         "spread": summary, "calls_per_round": repeats[name]}
        row["torch"]["threads"] = won
        results[batch] = row
        log(f"  {arch} batch {batch}: " + ", ".join(f"{k} {v['seq_per_s']:.0f}" for k, v in row.items()) + " seq/s")
    return results


def measure(rounds: int, target_seconds: float, archs=("cnn", "rnn", "cnn_rnn"), batch_sizes=BATCH_SIZES,
            log=print) -> dict:
    """`measure_arch` for each architecture; `{arch: {batch: {contender: ...}}}`."""
    out = {}
    for arch in archs:
        log(f"inference: {arch}")
        out[arch] = measure_arch(arch, rounds, target_seconds, batch_sizes, log)
    return out
