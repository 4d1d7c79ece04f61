"""Where a training step's time goes: the TensorFlow profiler over Keras `fit`, per-op self time by kind.

    python bench/training_profile.py [--archs cnn cnn_rnn] [--steps 20] [--keras-bn] [--top 12]

The model is `training_speed.model_config(arch)`'s (the default recipe: batch norm, both strands
averaged inside the model, batch 128), compiled as `zoo.training.fit_model` compiles it (Adam with
clipnorm, the two AUC metrics, batch norm through `zoo.fused_batch_norm` (and `zoo.batch_norm_gradient`) unless
`--keras-bn`), fed from memory. After two warm-up epochs, `tf.profiler.experimental` records one
epoch of `--steps` steps; the trace's events on TensorFlow's executor threads are nested per thread,
and each op's self time (its time less that of the ops inside it, e.g. a while loop's body; the
profiler's own non-op events inside an op, such as `ParallelFor`, count as the op's) is summed by
kind: convolution/dense matmuls, batch norm, max-pool, ReLU, dropout (with its random numbers),
strand flip, LSTM, optimizer (Adam and clipnorm), loss, AUC metrics and the loss tracker, executor
overhead (events outside any op). Kinds are read from the ops' names (the layer that made them), so
the table needs the layer names `zoo.architectures` gives. Shares are of the summed self time; the
per-step gap between `fit`'s calls of the step function is reported beside it.
"""

from __future__ import annotations

import argparse
import collections
import glob
import os
import re
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

from training_speed import model_config  # noqa: E402

OP_EVENT = re.compile(r"^[\w./\-]+:\w+$")  # "scope/name:OpType"; runtime events look like "ExecutorState::Process"


def is_op(name: str) -> bool:
    return OP_EVENT.match(name) is not None and "::" not in name


def kind(event: str, inputs: dict[str, str]) -> str:
    """The kind of work of one profiler event (an op's `scope/name:Type`, or a runtime event)."""
    if not is_op(event):
        return "executor overhead"
    name, op_type = event.rsplit(":", 1)
    name = re.sub(r"^(StatefulPartitionedCall/)+", "", name)
    low = name.lower() + (" " + inputs.get(name, "").lower() if op_type == "AddN" else "")  # AddN: by what it adds
    rules = (("strand flip", "reverse_complement" in low), ("dropout", "dropout" in low),
             ("batch norm", "_bn" in low), ("max-pool", re.search(r"pool\d|global_max", low)),
             ("relu", "relu" in low))
    for label, hit in rules:
        if hit:
            return label
    if re.search(r"lstm|forward_mean|backward_mean", low):
        return "lstm matmul" if "MatMul" in op_type else "lstm other (gates, tensor lists, loop)"
    if re.search(r"Conv2D|MatMul|BiasAdd", op_type) or re.search(r"conv\d(_\d+)?/|logit", low):
        return "conv/dense matmul"
    if low.startswith("adam"):
        return "optimizer (adam + clipnorm)"
    if "compile_loss" in low or "probability" in low:
        return "loss + sigmoid"
    if low.startswith("zeros_like"):
        return "zeros_like (gradient init)"
    if "/" not in name:
        return "auc metrics + loss tracker"
    return "other"


def self_times(logdir: str, inputs: dict[str, str]) -> tuple[collections.Counter, collections.Counter]:
    """`(by kind, by op)` self time in ms on the executor threads of the profile in `logdir`."""
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    space = xplane_pb2.XSpace()
    space.ParseFromString(Path(sorted(glob.glob(f"{logdir}/plugins/profile/*/*.xplane.pb"))[-1]).read_bytes())
    plane = next(p for p in space.planes if p.name == "/host:CPU")
    names = plane.event_metadata
    by_kind, by_op = collections.Counter(), collections.Counter()
    for line in plane.lines:
        if not line.name.startswith("tf_Compute"):
            continue
        events = sorted(((e.offset_ps, e.duration_ps, names[e.metadata_id].name) for e in line.events),
                        key=lambda e: (e[0], -e[1]))
        stack = []  # [end, name, duration, time of the events inside it]

        def close():
            _, name, duration, inner = stack.pop()
            by_kind[kind(name, inputs)] += (duration - inner) / 1e9
            op = re.sub(r"_strand_\d+", "_strand", re.sub(r"^(StatefulPartitionedCall/)+", "", name))
            by_op[re.sub(r"/body/_\d+/", "/body/", op)] += (duration - inner) / 1e9

        for start, duration, name in events:
            while stack and stack[-1][0] <= start:
                close()
            if stack and not is_op(name) and is_op(stack[-1][1]):
                continue  # the profiler's own event inside an op: the op's time
            if stack:
                stack[-1][3] += duration
            stack.append([start + duration, name, duration, 0])
        while stack:
            close()
    return by_kind, by_op


def step_gaps(logdir: str) -> float:
    """Median ms between one call of the step function and the next on the Python thread."""
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    space = xplane_pb2.XSpace()
    space.ParseFromString(Path(sorted(glob.glob(f"{logdir}/plugins/profile/*/*.xplane.pb"))[-1]).read_bytes())
    plane = next(p for p in space.planes if p.name == "/host:CPU")
    python = next(line for line in plane.lines if line.name == "python")
    runs = sorted((e.offset_ps, e.duration_ps) for e in python.events
                  if plane.event_metadata[e.metadata_id].name == "KernelAndDeviceFunc::Run" and e.duration_ps > 5e9)
    gaps = [(b[0] - a[0] - a[1]) / 1e9 for a, b in zip(runs, runs[1:])]
    return float(np.median(gaps)) if gaps else float("nan")


def profile(arch: str, steps: int, keras_bn: bool) -> dict:
    import keras
    import tensorflow as tf

    from deepmotif.zoo.architectures import build
    from deepmotif.zoo.batch_norm_gradient import lean_batch_norm_gradients
    from deepmotif.zoo.fused_batch_norm import fused_batch_norm_training
    from deepmotif.zoo.recipes import make_optimizer

    cfg, recipe = model_config(arch)
    batch = int(recipe["batch_size"])
    rng = np.random.default_rng(0)
    x = np.eye(4, dtype=np.float32)[rng.integers(0, 4, (batch * steps, 101))]
    y = rng.integers(0, 2, batch * steps).astype(np.float32)
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(batch).cache()
    keras.utils.set_random_seed(0)
    model = build(**cfg)
    if not keras_bn:  # as zoo.training.fit_model does
        lean_batch_norm_gradients(model)
        fused_batch_norm_training(model)
    model.compile(optimizer=make_optimizer(recipe, steps), loss=keras.losses.BinaryCrossentropy(),
                  metrics=[keras.metrics.AUC(name="auroc"), keras.metrics.AUC(curve="PR", name="auprc")])
    step = tf.function(lambda a, b: model.train_step((a, b)))  # the same step, traced once more for its op inputs
    graph = step.get_concrete_function(tf.TensorSpec((batch, 101, 4)), tf.TensorSpec((batch,))).graph
    inputs = {op.name: " ".join(t.name for t in op.inputs) for op in graph.get_operations()}
    for _ in range(2):
        model.fit(data, epochs=1, verbose=0, shuffle=False)
    logdir = tempfile.mkdtemp(prefix=f"bench_profile_{arch}_")
    tf.profiler.experimental.start(logdir)
    start = time.perf_counter()
    model.fit(data, epochs=1, verbose=0, shuffle=False)
    seconds = time.perf_counter() - start
    tf.profiler.experimental.stop()
    by_kind, by_op = self_times(logdir, inputs)
    return {"by_kind": by_kind, "by_op": by_op, "steps": steps, "profiled_seconds": seconds,
            "gap_ms": step_gaps(logdir)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--archs", nargs="+", default=["cnn", "cnn_rnn"])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--keras-bn", action="store_true", help="Keras's own batch norm (before entries 9 and 12)")
    parser.add_argument("--top", type=int, default=12, help="ops listed by self time")
    args = parser.parse_args(argv)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    for arch in args.archs:
        r = profile(arch, args.steps, args.keras_bn)
        total = sum(r["by_kind"].values())
        print(f"\n{arch}: {r['steps']} steps in {r['profiled_seconds']:.2f} s; executor-thread self time "
              f"{total / r['steps']:.1f} ms per step; median gap between steps {r['gap_ms']:.2f} ms")
        for name, ms in r["by_kind"].most_common():
            print(f"  {name:40s} {ms / r['steps']:7.2f} ms/step {100 * ms / total:5.1f}%")
        print("  top ops (both strands summed):")
        for name, ms in r["by_op"].most_common(args.top):
            print(f"    {ms / r['steps']:6.2f} ms/step {100 * ms / total:5.1f}%  {name[-110:]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
