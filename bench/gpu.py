"""GPU benchmark, for a machine with one: the three architectures under `KERAS_BACKEND=jax` in float32,
mixed_float16 and mixed_bfloat16, beside the PyTorch twin (bench/torch_reference.py) in float32
and under `torch.autocast` (float16 with a GradScaler, bfloat16). Training sequences/s (the default
recipe's optimizer; batch 128 as the recipe and 1024) and inference sequences/s (batch 1024).

    KERAS_BACKEND=jax python bench/gpu.py [--tokens T.npy --labels Y.npy] [--n 16384] [--out gpu.json]

No TensorFlow: the model code is imported from the source tree (deepmotif.zoo.architectures,
recipes, precision and what they import), so it runs where only JAX, PyTorch and Keras are
installed. Data: `--tokens` (n, L) uint8 and `--labels` (n,) `.npy` files (e.g. saved from
`deepmotif.datasets.load_arrays`), else seeded random sequences (speed does not depend on them).
On the lent GPU machines JAX and PyTorch are installed but Keras is not: carry its wheels
(keras, namex, optree; see the device tool's README) and put them on PYTHONPATH.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")
BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

POLICIES = ("float32", "mixed_float16", "mixed_bfloat16")


def import_model_code():
    """Make `deepmotif.core` and `deepmotif.zoo` importable from the source tree when not installed
    (the installed package maps them from top-level folders: link them under a temporary root)."""
    try:
        import deepmotif.zoo.architectures  # noqa: F401
    except ImportError:
        root = Path(tempfile.mkdtemp(prefix="deepmotif_src_")) / "deepmotif"
        root.mkdir()
        for package in ("core", "zoo"):
            (root / package).symlink_to(ROOT / package)
        sys.path.insert(0, str(root.parent))
    from deepmotif.zoo import architectures, precision, recipes

    if "tensorflow" in sys.modules:
        raise RuntimeError("the model code imported TensorFlow; bench/gpu.py must run without it")
    return architectures, precision, recipes


def data(args, seq_len: int = 101):
    import numpy as np

    if args.tokens:
        tokens, labels = np.load(args.tokens), np.load(args.labels)
    else:
        rng = np.random.default_rng(0)
        tokens, labels = rng.integers(0, 4, (args.n, seq_len), dtype=np.uint8), rng.integers(0, 2, args.n)
    x = np.vstack([np.eye(4, dtype=np.float32), np.zeros((1, 4), np.float32)])[tokens]
    return x, labels.astype(np.float32)


def keras_rates(arch, policy, x, y, batch, modules) -> dict:
    """Training and inference sequences/s of the Keras model under `policy` (JAX backend)."""
    import keras

    architectures, precision, recipes = modules
    recipe = recipes.get_recipe("default", arch)
    cfg = architectures.architecture_config(arch, x.shape[1], **recipe["arch_overrides"].get(arch, {}))
    with precision.precision_policy(policy):
        model = architectures.build(**cfg)
        model.compile(optimizer=recipes.make_optimizer(recipe, len(x) // batch),
                      loss=keras.losses.BinaryCrossentropy())
        model.fit(x[: 4 * batch], y[: 4 * batch], batch_size=batch, epochs=1, verbose=0)  # compile
        start = time.perf_counter()
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=False)
        train = len(x) / (time.perf_counter() - start)
        model.predict(x[:1024], batch_size=1024, verbose=0)
        start = time.perf_counter()
        model.predict(x, batch_size=1024, verbose=0)
        infer = len(x) / (time.perf_counter() - start)
    return {"train_seq_per_s": round(train, 1), "infer_seq_per_s": round(infer, 1)}


def torch_rates(arch, policy, x, y, batch, modules) -> dict:
    """The same for the PyTorch twin: float32, or autocast to float16 / bfloat16."""
    import torch

    from torch_reference import TorchMotifModel, make_trainer

    architectures, _, recipes = modules
    recipe = recipes.get_recipe("default", arch)
    cfg = architectures.architecture_config(arch, x.shape[1], **recipe["arch_overrides"].get(arch, {}))
    device = "cuda" if torch.cuda.is_available() else "cpu"
    dtype = {"float32": None, "mixed_float16": torch.float16, "mixed_bfloat16": torch.bfloat16}[policy]
    model = TorchMotifModel(cfg).to(device)
    xt, yt = torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)
    step = make_trainer(model, recipe, len(x) // batch)
    scaler = torch.amp.GradScaler(device, enabled=dtype is torch.float16)

    def epoch():
        for i in range(0, len(x), batch):
            with torch.autocast(device, dtype=dtype or torch.float32, enabled=dtype is not None):
                step(xt[i:i + batch], yt[i:i + batch], scaler=scaler)
        torch.cuda.synchronize() if device == "cuda" else None

    def infer():
        model.eval()
        with torch.no_grad(), torch.autocast(device, dtype=dtype or torch.float32, enabled=dtype is not None):
            for i in range(0, len(x), 1024):
                model(xt[i:i + 1024])
        torch.cuda.synchronize() if device == "cuda" else None

    for fn in (epoch, infer):
        fn()
    rates = {}
    for name, fn in (("train_seq_per_s", epoch), ("infer_seq_per_s", infer)):
        start = time.perf_counter()
        fn()
        rates[name] = round(len(x) / (time.perf_counter() - start), 1)
    return rates


def attempt(fn, *args) -> dict:
    """`fn(*args)`, or `{"error": ...}` (e.g. a kernel missing for one dtype) so the other rows still run."""
    try:
        return fn(*args)
    except Exception as e:  # noqa: BLE001  (any backend failure is a result to report)
        return {"error": f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"}


def _show(rates: dict) -> str:
    if "error" in rates:
        return f"failed ({rates['error'][:60]})"
    return f"train {rates['train_seq_per_s']:>10,.0f} infer {rates['infer_seq_per_s']:>10,.0f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", default=None)
    parser.add_argument("--labels", default=None)
    parser.add_argument("--n", type=int, default=16384, help="random sequences when no --tokens")
    parser.add_argument("--archs", nargs="+", default=["cnn", "rnn", "cnn_rnn"])
    parser.add_argument("--batches", nargs="+", type=int, default=[128, 1024])
    parser.add_argument("--out", default=None, help="JSON file for the results")
    args = parser.parse_args(argv)
    modules = import_model_code()
    import keras
    import torch

    x, y = data(args)
    rows = []
    for arch in args.archs:
        for policy in POLICIES:
            for batch in args.batches:
                row = {"arch": arch, "policy": policy, "batch": batch,
                       "keras_jax": attempt(keras_rates, arch, policy, x, y, batch, modules),
                       "torch": attempt(torch_rates, arch, policy, x, y, batch, modules)}
                rows.append(row)
                print(f"{arch:8} {policy:15} b={batch:5}  keras/jax {_show(row['keras_jax'])}   "
                      f"torch {_show(row['torch'])}", flush=True)
    import jax

    result = {"backend": keras.backend.backend(), "devices": [str(d) for d in jax.devices()],
              "torch_device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu",
              "versions": {"jax": jax.__version__, "keras": keras.__version__, "torch": torch.__version__},
              "n": len(x), "rows": rows}
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
