"""The benchmark's JSON document (docs/benchmarks.json) and its Markdown page (docs/benchmarks.md).

`summarize(raw)` turns the sections' raw results into the document: per architecture the headline
rates, ratios and % of the matmul ceiling, at top level the ceiling, pipeline rate, training peak
RSS, machine and versions, and the targets with whether each is met. `markdown(doc, log_text)`
renders it; `log_text` (bench/optimization_log.md, written by hand) is appended verbatim.
"""

from __future__ import annotations

import os
import platform
import time

from flops import TRAINING_FACTOR
from timing import ratio

ARCHS = ("cnn", "rnn", "cnn_rnn")
ARCH_KEYS = ("train_seq_per_s", "torch_train_seq_per_s", "infer_seq_per_s", "torch_infer_seq_per_s",
             "train_pct_of_ceiling", "infer_pct_of_ceiling", "saliency_seq_per_s",
             "train_shape_ceiling_seq_per_s", "infer_shape_ceiling_seq_per_s", "train_pct_of_shape_ceiling",
             "infer_pct_of_shape_ceiling")
TOP_KEYS = ("ceiling_gflops", "pipeline_seq_per_s", "train_peak_rss_mb", "machine", "versions", "architectures")
INFER_BATCH = 1024


def pct_of_ceiling(seq_per_s, flops_per_seq, ceiling_gflops):
    """`seq_per_s * flops_per_seq` as a percentage of `ceiling_gflops` (None when a number is missing)."""
    if not seq_per_s or not flops_per_seq or not ceiling_gflops:
        return None
    return round(100.0 * seq_per_s * flops_per_seq / (ceiling_gflops * 1e9), 1)


def pct_of_shape_ceiling(seq_per_s, shape_ceiling_seq_per_s):
    """Measured sequences/s as a percentage of the shape-matched ceiling's (None when one is missing)."""
    if not seq_per_s or not shape_ceiling_seq_per_s:
        return None
    return round(100.0 * seq_per_s / shape_ceiling_seq_per_s, 1)


def machine() -> dict:
    """Platform, CPU model, cores and the load average (other processes share these cores)."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), model)
    except OSError:
        pass
    return {"platform": platform.platform(), "cpu": model, "cpus": os.cpu_count(),
            "load_average_1min": round(os.getloadavg()[0], 2), "gpu": None}


def cpu_seconds() -> dict:
    """CPU seconds so far: `machine` (all processes, from /proc/stat; None elsewhere) and `own` (this
    process and its waited-for children), to tell the bench's own load from other work's."""
    times = os.times()
    own = times.user + times.system + times.children_user + times.children_system
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
        busy = sum(fields) - fields[3] - (fields[4] if len(fields) > 4 else 0)  # all but idle and iowait
        return {"machine": busy / os.sysconf("SC_CLK_TCK"), "own": own, "wall": time.monotonic()}
    except (OSError, ValueError, IndexError):
        return {"machine": None, "own": own, "wall": time.monotonic()}


def other_cpu_share(start: dict, end: dict) -> float | None:
    """Fraction of all cores' time that processes other than the bench used between two `cpu_seconds`."""
    wall_seconds = end["wall"] - start["wall"]
    if start["machine"] is None or end["machine"] is None or wall_seconds <= 0:
        return None
    other = (end["machine"] - start["machine"]) - (end["own"] - start["own"])
    return round(max(0.0, other) / (wall_seconds * (os.cpu_count() or 1)), 3)


def versions() -> dict:
    """Versions of Python and of the libraries measured."""
    import importlib.metadata as metadata

    out = {"python": platform.python_version()}
    for dist in ("tensorflow", "keras", "torch", "numpy", "tensorflow-datasets", "memelite", "deepmotif-zoo"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    return out


def _get(d, *keys):
    for key in keys:
        if not isinstance(d, dict) or key not in d:
            return None
        d = d[key]
    return d


def architecture_rows(raw: dict) -> dict:
    """`{arch: headline numbers}` from the raw sections (missing sections give None)."""
    ceiling = _get(raw, "ceiling", "ceiling_gflops")
    rows = {}
    for arch in ARCHS:
        flops = _get(raw, "flops", arch)
        train = _get(raw, "training", arch) or {}
        infer = _get(raw, "inference", arch, INFER_BATCH) or _get(raw, "inference", arch, str(INFER_BATCH)) or {}
        interp = _get(raw, "interpretation", arch) or {}
        scanning = _get(raw, "scanning", arch) or {}
        shape = _get(raw, "shape_ceiling", arch) or {}
        row = {
            "forward_flops_per_seq": flops,
            "train_flops_per_seq": TRAINING_FACTOR * flops if flops else None,
            "train_seq_per_s": train.get("train_seq_per_s"),
            "train_epoch_seq_per_s": train.get("train_epoch_seq_per_s"),
            "keras_in_memory_train_seq_per_s": train.get("keras_in_memory_train_seq_per_s"),
            "torch_train_seq_per_s": train.get("torch_train_seq_per_s"),
            "infer_seq_per_s": _get(infer, "savedmodel", "seq_per_s"),
            "infer_strings_seq_per_s": _get(infer, "savedmodel_strings", "seq_per_s"),
            "keras_predict_seq_per_s": _get(infer, "keras_predict", "seq_per_s"),
            "project_predict_seq_per_s": _get(infer, "project_predict", "seq_per_s"),
            "torch_infer_seq_per_s": _get(infer, "torch", "seq_per_s"),
            "saliency_seq_per_s": interp.get("saliency_seq_per_s"),
            "temporal_seq_per_s": interp.get("temporal_seq_per_s"),
            "class_optimization_s": interp.get("class_optimization_s"),
            "scan_bp_per_s": scanning.get("scan_bp_per_s"),
            "savedmodel_scan_bp_per_s": scanning.get("savedmodel_scan_bp_per_s"),
            "train_shape_ceiling_seq_per_s": _get(shape, "train", "seq_per_s"),
            "infer_shape_ceiling_seq_per_s": _get(shape, "infer", "seq_per_s"),
        }
        row["train_pct_of_ceiling"] = pct_of_ceiling(row["train_seq_per_s"], row["train_flops_per_seq"], ceiling)
        row["infer_pct_of_ceiling"] = pct_of_ceiling(row["infer_seq_per_s"], flops, ceiling)
        row["train_pct_of_shape_ceiling"] = pct_of_shape_ceiling(row["train_seq_per_s"],
                                                                 row["train_shape_ceiling_seq_per_s"])
        row["infer_pct_of_shape_ceiling"] = pct_of_shape_ceiling(row["infer_seq_per_s"],
                                                                 row["infer_shape_ceiling_seq_per_s"])
        # How much of the square-matmul ceiling the GEMM shapes themselves allow (same FLOP count as above).
        row["train_shape_ceiling_pct_of_ceiling"] = pct_of_ceiling(row["train_shape_ceiling_seq_per_s"],
                                                                   row["train_flops_per_seq"], ceiling)
        row["infer_shape_ceiling_pct_of_ceiling"] = pct_of_ceiling(row["infer_shape_ceiling_seq_per_s"], flops,
                                                                   ceiling)
        row["train_over_torch"] = ratio(row["train_seq_per_s"], row["torch_train_seq_per_s"])
        row["train_over_keras_in_memory"] = ratio(row["train_seq_per_s"], row["keras_in_memory_train_seq_per_s"])
        row["infer_over_torch"] = ratio(row["infer_seq_per_s"], row["torch_infer_seq_per_s"])
        row["saliency_over_train"] = ratio(row["saliency_seq_per_s"], row["train_seq_per_s"])
        rows[arch] = row
    return rows


def _target(name: str, value, goal: str, met):
    return {"target": name, "value": value, "goal": goal, "met": met if value is not None else None}


def targets(doc: dict) -> list[dict]:
    """The issue's targets, each with the measured value and whether it is met (None: not measured)."""
    archs = doc["architectures"]
    out = []
    for arch in ARCHS:
        r = archs[arch]
        v = r["train_over_torch"]
        out.append(_target(f"{arch}: training >= 1.5x PyTorch", v, ">= 1.5", v is not None and v >= 1.5))
    v = archs["cnn"]["train_pct_of_ceiling"]
    out.append(_target("cnn: training >= 60% of ceiling", v, ">= 60", v is not None and v >= 60))
    for arch in ARCHS:
        v = archs[arch]["infer_over_torch"]
        out.append(_target(f"{arch}: SavedModel inference >= PyTorch (batch {INFER_BATCH})", v, ">= 1.0",
                           v is not None and v >= 1.0))
    v = archs["cnn"]["infer_pct_of_ceiling"]
    out.append(_target(f"cnn: inference >= 80% of ceiling (batch {INFER_BATCH})", v, ">= 80", v is not None and v >= 80))
    fastest = max((archs[a]["train_seq_per_s"] or 0) for a in ARCHS) or None
    v = ratio(doc.get("pipeline_seq_per_s"), fastest)
    out.append(_target("pipeline >= 10x training throughput (fastest arch)", v, ">= 10", v is not None and v >= 10))
    v = doc.get("train_peak_rss_mb")
    out.append(_target(f"training peak RSS < 2 GB ({_get(doc, 'memory', 'training', 'dataset') or '?'})", v,
                       "< 2048 MB", v is not None and v < 2048))
    for arch in ARCHS:
        v = archs[arch]["saliency_over_train"]
        out.append(_target(f"{arch}: saliency >= half training throughput", v, ">= 0.5", v is not None and v >= 0.5))
    v = _get(doc, "demo", "seconds")
    out.append(_target("`deepmotif demo` end to end, s (TOMTOM compile cached)", v, "<= 120", v is not None and v <= 120))
    return out


def summarize(raw: dict, settings: dict) -> dict:
    """The JSON document from the raw sections."""
    memory = raw.get("memory") or {}
    training_memory = memory.get("training") or {}
    peaks = training_memory.get("peak_rss_mb") or []
    doc = {
        "ceiling_gflops": _get(raw, "ceiling", "ceiling_gflops"),
        "pipeline_seq_per_s": _get(raw, "pipeline", "training_input_seq_per_s"),
        "train_peak_rss_mb": max(peaks) if peaks else None,
        "machine": raw.get("machine") or machine(),
        "versions": raw.get("versions") or versions(),
        "architectures": architecture_rows(raw),
        "settings": settings,
        "ceiling": raw.get("ceiling"),
        "shape_ceiling": raw.get("shape_ceiling"),
        "pipeline": raw.get("pipeline"),
        "memory": memory,
        "build": raw.get("build"),
        "training": raw.get("training"),
        "inference": raw.get("inference"),
        "interpretation": raw.get("interpretation"),
        "dashboard": raw.get("dashboard"),
        "demo": raw.get("demo"),
        "scanning": raw.get("scanning"),
        "precision": raw.get("precision"),
        "skipped": raw.get("skipped", {}),
        "seconds": raw.get("seconds"),
    }
    doc["targets"] = targets(doc)
    return doc


# ------------------------------------------------------------------------------------ markdown


def _n(value, digits: int = 0) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and digits:
        return f"{value:,.{digits}f}"
    return f"{value:,.0f}" if isinstance(value, (int, float)) else str(value)


def _rate_latency(cell: dict) -> str:
    if cell.get("seq_per_s") is None:
        return "-"
    latency = cell.get("latency_ms")
    return _n(cell["seq_per_s"]) + (f" ({latency:.2f})" if latency is not None else "")


def _table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def markdown(doc: dict, log_text: str = "") -> str:
    """The page docs/benchmarks.md: how it was run, the targets, the tables, the notes, the change log."""
    m, v, s = doc["machine"], doc["versions"], doc["settings"]
    other = m.get("other_cpu_share")  # the bench's own threads count in the load average, so use this
    busy = other > 0.1 if other is not None else (m.get("load_average_1min_at_start") or 0) > 0.5 * (m.get("cpus") or 1)
    lines = [
        "# Benchmarks",
        "",
        "Generated by `python bench/run.py" + (" --quick" if s.get("quick") else "") + "` "
        f"({doc.get('seconds') or '?'} s); the numbers behind it are in `docs/benchmarks.json`. "
        "Regenerate both with that one command (`pip install -e \".[bench]\"` first).",
        "",
        f"Machine: {m.get('cpu')}, {m.get('cpus')} cores, {m.get('platform')}; no GPU. Load average at the start "
        f"{m.get('load_average_1min_at_start')}, at the end {m.get('load_average_1min')} (the bench's own threads "
        "included); other processes used "
        + (f"{100 * other:.1f}%" if other is not None else "an unknown share")
        + " of the cores' time during the run. Versions: " + ", ".join(f"{k} {val}" for k, val in v.items() if val) + ".",
        "",
    ]
    if busy:
        lines += ["**This run shared the machine with other work** (over 10% of the cores' time): every "
                  "rate below is noisy, and the final table must be regenerated on an idle machine.", ""]
    lines += ["## Targets", ""]
    lines += _table(["target", "measured", "goal", "met"],
                    [[t["target"], _n(t["value"], 2) if isinstance(t["value"], float) else _n(t["value"]), t["goal"],
                      {True: "yes", False: "**no**", None: "not measured"}[t["met"]]] for t in doc["targets"]])
    a = doc["architectures"]
    lines += ["", "## Per architecture", "",
              f"Float32 matmul ceiling measured in this run: **{_n(doc['ceiling_gflops'], 1)} GFLOP/s** (best of "
              "numpy/BLAS and TensorFlow products of 512-2048 square matrices). FLOPs count the multiply-adds of "
              "the convolutions, LSTMs and dense layers; training counts 3x the forward pass.", ""]
    lines += _table(
        ["arch", "fwd MFLOP/seq", "train seq/s (zoo.train)", "Keras in memory", "PyTorch", "zoo.train / PyTorch",
         "train % ceiling", "SavedModel seq/s (b=1024)", "PyTorch", "SavedModel / PyTorch", "infer % ceiling",
         "saliency seq/s", "saliency / train"],
        [[arch, _n(r["forward_flops_per_seq"] and r["forward_flops_per_seq"] / 1e6, 2), _n(r["train_seq_per_s"]),
          _n(r["keras_in_memory_train_seq_per_s"]), _n(r["torch_train_seq_per_s"]), _n(r["train_over_torch"], 2),
          _n(r["train_pct_of_ceiling"], 1), _n(r["infer_seq_per_s"]), _n(r["torch_infer_seq_per_s"]),
          _n(r["infer_over_torch"], 2), _n(r["infer_pct_of_ceiling"], 1), _n(r["saliency_seq_per_s"]),
          _n(r["saliency_over_train"], 2)] for arch, r in a.items()])
    shape = doc.get("shape_ceiling") or {}
    if any(r.get("train_shape_ceiling_seq_per_s") or r.get("infer_shape_ceiling_seq_per_s") for r in a.values()):
        batches = next(((shape[arch]["train"]["batch"], shape[arch]["infer"]["batch"]) for arch in a if arch in shape),
                       ("?", "?"))
        lines += ["", "### Shape-matched ceiling", "",
                  "The layers lower to small, skinny GEMMs that no library runs at the square-matmul rate. "
                  "`bench/shape_ceiling.py` lists the GEMMs of one training step (batch "
                  f"{batches[0]}) and one inference batch ({batches[1]}): convolutions as im2col, each LSTM "
                  "direction's input projection over all steps and its recurrent product per step, the dense "
                  "layer, once per strand; training adds each one's input and weight gradients. It times "
                  "`tf.matmul` on exactly those shapes (the best of "
                  f"{shape.get('repeats', '?')} repeats in each of {shape.get('passes', '?')} passes, and of exact "
                  "row-block splits) and sums the times: no implementation of these layers on this machine "
                  "runs faster than the shape ceiling's sequences/s (square products timed the same way reached "
                  f"{_n(shape.get('square_gflops'), 1)} GFLOP/s in these passes). **Shape ceiling % of "
                  "ceiling** is how much of the square ceiling the shapes themselves allow: where it is below a "
                  "target's percentage, the shapes stop that target, by that margin. **Measured % of shape "
                  "ceiling** is the measured throughput against it; the rest of the time goes outside the GEMMs "
                  "(batch norm, pooling, activations, the LSTM's gate arithmetic, optimizer, metrics, input) or "
                  "to kernels slower than the best matmul for the shape.", ""]
        lines += _table(
            ["arch", f"train shape ceiling seq/s (b={batches[0]})", "shape ceiling % of ceiling",
             "measured train % of shape ceiling", f"inference shape ceiling seq/s (b={batches[1]})",
             "shape ceiling % of ceiling", "measured inference % of shape ceiling"],
            [[arch, _n(r["train_shape_ceiling_seq_per_s"]), _n(r["train_shape_ceiling_pct_of_ceiling"], 1),
              _n(r["train_pct_of_shape_ceiling"], 1), _n(r["infer_shape_ceiling_seq_per_s"]),
              _n(r["infer_shape_ceiling_pct_of_ceiling"], 1), _n(r["infer_pct_of_shape_ceiling"], 1)]
             for arch, r in a.items()])
    training = doc.get("training") or {}
    if training:
        lines += ["", "Training rounds (median, min-max over rounds; contenders alternated A B C each round):", ""]
        rows = []
        for arch, t in training.items():
            rd = t["rounds"]
            rows.append([arch, t["batch_size"], t["n_train"],
                         f"{_n(rd['project']['median'])} ({_n(rd['project']['min'])}-{_n(rd['project']['max'])})",
                         _n(t.get("train_epoch_seq_per_s")),
                         f"{_n(rd['keras_in_memory']['median'])} ({_n(rd['keras_in_memory']['min'])}-"
                         f"{_n(rd['keras_in_memory']['max'])})",
                         f"{_n(rd['torch']['median'])} ({_n(rd['torch']['min'])}-{_n(rd['torch']['max'])})",
                         t.get("torch_threads"), rd["project"]["rounds"]])
        lines += _table(["arch", "batch", "examples/epoch", "zoo.train training phase",
                         "zoo.train whole epoch (with validation, checkpoints)", "Keras in memory", "PyTorch",
                         "torch threads", "rounds"], rows)
    inference = doc.get("inference") or {}
    if inference:
        lines += ["", "## Inference", "", "Sequences/s (median per-call latency in ms) at each batch size:", ""]
        rows = []
        for arch, by_batch in inference.items():
            for batch, row in by_batch.items():
                rows.append([arch, batch] + [_rate_latency(row.get(c) or {})
                                             for c in ("savedmodel", "savedmodel_strings", "keras_predict",
                                                       "project_predict", "torch")])
        lines += _table(["arch", "batch", "SavedModel serving_default", "SavedModel predict_sequences (strings)",
                         "Keras Model.predict", "zoo.prediction.predict", "PyTorch eval/no_grad"], rows)
    lines += ["", "## Input pipeline and memory", ""]
    p = doc.get("pipeline") or {}
    if p:
        lines += [f"- Input pipeline alone (batch {p.get('batch_size')}): `datasets.load` {_n(p.get('load_seq_per_s'))} "
                  f"seq/s; the batches `zoo.train` iterates (`load_training_data`) "
                  f"{_n(p.get('training_input_seq_per_s'))} seq/s."]
    build = doc.get("build") or {}
    if build.get("seconds") is not None:
        lines += [f"- Build of `{build['dataset']}` from `manual_dir` ({_n(build.get('examples'))} examples): "
                  f"{build['seconds']} s."]
    elif build.get("skipped"):
        lines += [f"- Build of the largest local experiment: skipped ({build['skipped']})."]
    mem = doc.get("memory") or {}
    tm = mem.get("training") or {}
    if tm:
        lines += [f"- Peak RSS of one epoch of `zoo.train` ({tm['arch']}) on `{tm['dataset']}` at "
                  f"{' and '.join(_n(n) for n in tm['n_train'])} training examples: "
                  f"{' and '.join(_n(x) for x in tm['peak_rss_mb'])} MB (growth {tm['growth_mb']} MB)."]
    stream = mem.get("stream") or {}
    if stream:
        lines += ["", "Peak RSS streaming the same number of batches from N and 10 N windows, each in a fresh "
                  "process (`bench/rss_child.py`):", ""]
        rows = []
        labels = {"stream": "`batches`, tokens in memory", "stream_mmap": "`batches`, tokens memory-mapped",
                  "graph_constant": "before: split as a `tf.constant` + shuffle buffer"}
        for mode, r in stream.items():
            anon = r.get("anon_rss_mb") or [None, None]
            rows.append([labels.get(mode, mode), f"{_n(r['n'][0])} / {_n(r['n'][1])}",
                         f"{_n(r['peak_rss_mb'][0])} / {_n(r['peak_rss_mb'][1])}",
                         f"{_n(anon[0])} / {_n(anon[1])}", _n(r["growth_mb"], 1), _n(r["bytes_per_added_window"], 1)])
        lines += _table(["pipeline", "windows", "peak RSS MB", "private RSS at end MB", "peak growth MB",
                         "bytes per added window"], rows)
        lines += ["", "Tokens in memory cost their own 101 bytes per window and nothing more; memory-mapped tokens "
                  "keep private memory flat (the file's pages are page cache, counted in peak RSS but dropped "
                  "under pressure)."]
    lines += ["", "## Interpretation and dashboard", ""]
    interp = doc.get("interpretation") or {}
    if interp:
        lines += _table(["arch", "saliency seq/s", "saliency / training", "temporal scores seq/s",
                         "class optimization s"],
                        [[arch, _n(r.get("saliency_seq_per_s")), _n(a[arch]["saliency_over_train"], 2),
                          _n(r.get("temporal_seq_per_s"), 1) if r.get("temporal_seq_per_s") else "-",
                          f"{r.get('class_optimization_s')} ({r.get('class_optimization')})"]
                         for arch, r in interp.items()])
    dash = doc.get("dashboard") or {}
    if dash.get("page_s") is not None:
        tom = dash.get("tomtom") or {}
        lines += ["", f"Dashboard: one TF page of three models (`build_dashboard`, default settings) took "
                  f"{dash['page_s']} s; TOMTOM's one-time numba compile {tom.get('compile_s')} s (first call "
                  f"{tom.get('first_call_s')} s, then {tom.get('warm_call_s')} s)."]
    elif dash.get("skipped"):
        lines += ["", f"Dashboard: skipped ({dash['skipped']})."]
    demo = doc.get("demo") or {}
    if demo.get("seconds") is not None:
        lines += ["", f"`deepmotif demo` end to end (a fresh process: dataset, three models, exports, dashboard): "
                  f"{demo['seconds']} s" + (", announcing TOMTOM's one-time compile" if demo.get("announced_tomtom_compile")
                                              else ", TOMTOM's compile cached") + "."]
    elif demo.get("skipped"):
        lines += ["", f"`deepmotif demo`: skipped ({demo['skipped']})."]
    lines += ["", "## Scanning", ""]
    scan = doc.get("scanning") or {}
    if scan.get("skipped"):
        lines += [f"Skipped: {scan['skipped']}."]
    elif scan:
        lines += _table(["arch", "zoo.scan bp/s (stride 1)", "SavedModel scan_sequences bp/s"],
                        [[arch, _n(r.get("scan_bp_per_s")), _n(r.get("savedmodel_scan_bp_per_s"))]
                         for arch, r in scan.items()])
    precision = doc.get("precision") or {}
    lines += ["", "## Precision policies on this CPU", ""]
    if precision.get("skipped"):
        lines += [f"Skipped: {precision['skipped']}."]
    elif precision:
        policies = list(next(iter(precision.values())))
        lines += ["Training sequences/s of the Keras model fed from memory (batch 128), policies alternated:", ""]
        lines += _table(["arch"] + policies, [[arch, *(_n(r[p]["median"]) for p in policies)]
                                              for arch, r in precision.items()])
    skipped = doc.get("skipped") or {}
    if skipped:
        lines += ["", "Skipped in this run: " + "; ".join(f"{k} ({why})" for k, why in skipped.items()) + "."]
    lines += ["", "## GPU and mixed precision", "",
              "Not measured: no GPU was available to this run. `bench/gpu.py` is the prepared check for a machine "
              "with one: the same training and inference benchmark under `KERAS_BACKEND=jax` in float32, "
              "mixed_float16 and mixed_bfloat16 beside PyTorch autocast (it imports the model code without "
              "TensorFlow and reads its data from `.npy`).", ""]
    lines += ["## Method", "",
              "- The project's training path is `zoo.train` as `deepmotif train` runs it (default recipe, seed 0, the "
              "TFDS pipeline, validation and checkpoints each epoch, `verbose=0`); a timer callback times each "
              "epoch's training phase and runs one round of the other two contenders at each epoch end, so the "
              "rounds alternate A B C. Epoch 0 (tracing) is a warm-up for all.",
              "- PyTorch (`bench/torch_reference.py`) mirrors the architecture config of the default recipe (batch "
              "norm as Keras' momentum and epsilon, strand handling, dropout) and its optimizer (Adam, epsilon 1e-7, "
              "per-tensor norm clipping, the warm-up cosine schedule); it gets the better of 1 and all threads "
              "(OpenMP's spinning threads collapse on a shared machine). Keras also updates two AUC metrics per "
              "training batch; PyTorch does not.",
              "- Inference inputs are made before timing; each contender's calls are timed in rounds, alternated, "
              "and the median per-call time gives latency and throughput.",
              "- Timed tests never assert these numbers; `tests/bench/test_bench_smoke.py` checks the FLOP counts "
              "and the JSON keys only, `tests/bench/test_shape_ceiling.py` that the shape ceiling's GEMMs add up "
              "to those FLOP counts.", ""]
    if log_text:
        lines += [log_text.strip(), ""]
    return "\n".join(lines)
