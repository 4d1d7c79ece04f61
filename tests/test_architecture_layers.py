"""The layers hold: core <- datasets <- zoo <- interpret <- cli, no cycles, `--help` without TensorFlow,
the model code without TensorFlow, and `import deepmotif.datasets` registering the TFDS builders."""

from __future__ import annotations

import ast
import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

try:
    import tomllib
except ImportError:  # Python 3.10
    tomllib = None

REPO = Path(__file__).resolve().parents[1]
LAYERS = ("deepmotif.core", "deepmotif.datasets", "deepmotif.zoo", "deepmotif.interpret", "deepmotif.cli")
HEAVY = ("tensorflow", "keras", "tensorflow_datasets")
MODEL_CODE = ("deepmotif.zoo.architectures", "deepmotif.zoo.recipes", "deepmotif.zoo.precision",
              "deepmotif.zoo.hyperparameters", "deepmotif.zoo.prediction", "deepmotif.zoo.layer_walk")


def _modules() -> dict[str, Path]:
    """Every module of the five packages, by dotted name (from pyproject's package-dir)."""
    if tomllib is None:
        pytest.skip("tomllib needs Python 3.11")
    package_dir = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    package_dir = {p: f for p, f in package_dir.items() if any((REPO / f).rglob("*.py"))}  # not data-only ones
    assert set(package_dir) == set(LAYERS), "a package of code outside the five layers: add it to LAYERS and docs"
    modules = {}
    for package, folder in package_dir.items():
        for path in (REPO / folder).rglob("*.py"):
            parts = path.relative_to(REPO / folder).with_suffix("").parts
            name = ".".join((package,) + parts).removesuffix(".__init__")
            modules[name] = path
    return modules


def _resolve(target: str, modules) -> str | None:
    while target and target not in modules:
        target = target.rpartition(".")[0]
    return target or None


def _imports(name: str, path: Path, modules, top_level_only: bool = False) -> list[tuple[int, str]]:
    """`(line, module)` of every deepmotif module `name` imports: top-level, deferred inside functions,
    relative, and `importlib.import_module("deepmotif...")` strings; not those under `if TYPE_CHECKING`."""
    tree = ast.parse(path.read_text(), str(path))
    skipped = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
               for n in ast.walk(node)}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found = []
    for node in nodes:
        if id(node) in skipped:
            continue
        targets = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(parts + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("deepmotif."):
            targets = [node.value] if " " not in node.value else []
        found += [(node.lineno if hasattr(node, "lineno") else 0, t) for t in targets]
    return found


def _layer(module: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if module == layer or module.startswith(layer + "."))


def _graph():
    modules = _modules()
    edges = {}
    for name, path in modules.items():
        for line, target in _imports(name, path, modules):
            resolved = _resolve(target, modules) if target.startswith("deepmotif.") else None
            if resolved and resolved != name:
                edges.setdefault(name, {})[resolved] = line
    return modules, edges


def test_imports_never_run_up_the_layers():
    modules, edges = _graph()
    upward = [f"{modules[a].relative_to(REPO)}:{line}: {a} imports {b}"
              for a, targets in edges.items() for b, line in targets.items() if _layer(b) > _layer(a)]
    assert not upward, "imports run up the layers (core <- datasets <- zoo <- interpret <- cli):\n" + "\n".join(upward)


def test_no_module_cycles_even_through_deferred_imports():
    _, edges = _graph()
    # A package's __init__ re-exporting its own modules is not a cycle; a module importing its package is.
    graph = {a: {b for b in targets if not (a.startswith(b + ".") and b in LAYERS)} for a, targets in edges.items()}
    state, cycles = {}, []

    def visit(node, stack):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    assert not cycles, "module cycles:\n" + "\n".join(cycles)


def test_core_imports_nothing_heavy_at_import_time():
    modules = _modules()
    heavy = [f"{path.relative_to(REPO)}:{line}: {target}" for name, path in modules.items() if name.startswith("deepmotif.core")
             for line, target in _imports(name, path, modules, top_level_only=True)
             if target.split(".")[0] in HEAVY + ("matplotlib", "pandas", "sklearn", "logomaker")]
    assert not heavy, "deepmotif.core must stay light:\n" + "\n".join(heavy)


def _run(code: str, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})}, cwd=REPO.parent)


def test_every_help_page_imports_no_tensorflow_keras_or_tfds():
    done = _run("""
        import argparse, json, sys
        from deepmotif.cli.main import build_parser

        def pages(parser, prefix):
            yield prefix, parser.format_help()
            for action in parser._actions:
                if isinstance(action, argparse._SubParsersAction):
                    for name, sub in action.choices.items():
                        yield from pages(sub, prefix + [name])

        shown = [" ".join(p) for p, text in pages(build_parser(), ["deepmotif"]) if "usage:" in text]
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras", "tensorflow_datasets"))
        print(json.dumps({"pages": shown, "heavy": heavy}))
    """)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert {"deepmotif train", "deepmotif models pull", "deepmotif interpret saliency", "deepmotif demo"} <= set(
        result["pages"])
    assert result["heavy"] == [], f"--help imported {result['heavy'][:5]}"


def test_deepmotif_help_command_prints_and_imports_no_tensorflow():
    done = _run("""
        import sys
        from deepmotif.cli.main import main
        try:
            main(["train", "--help"])
        except SystemExit as stop:
            assert stop.code == 0
        assert not [m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras")], "heavy import"
    """)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "--arch" in done.stdout and done.stderr == ""


def test_model_code_has_no_module_level_tensorflow_import():
    modules = _modules()
    found = [f"{modules[name].relative_to(REPO)}:{line}: {target}" for name in MODEL_CODE
             for line, target in _imports(name, modules[name], modules, top_level_only=True)
             if target.split(".")[0] in ("tensorflow", "tensorflow_datasets")]
    assert not found, "the model code must import on a machine without TensorFlow:\n" + "\n".join(found)


_BLOCK_TENSORFLOW = """
    import importlib.abc, sys

    class NoTensorFlow(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name.split(".")[0] in ("tensorflow", "tensorflow_datasets", "tf_keras"):
                raise ImportError(f"TensorFlow is blocked in this test: {name}")
            return None

    sys.meta_path.insert(0, NoTensorFlow())
"""


def test_model_code_builds_and_predicts_with_tensorflow_blocked():
    done = _run(_BLOCK_TENSORFLOW + """
    try:
        import keras
    except ImportError as missing:
        print("SKIP", missing)
        raise SystemExit(0)
    import json
    import numpy as np
    from deepmotif.zoo import architectures, hyperparameters, precision, prediction, recipes
    from deepmotif.zoo.layer_walk import all_layers

    x = np.eye(4, dtype="float32")[np.random.default_rng(0).integers(0, 4, (3, 40))]
    out = {"backend": keras.backend.backend()}
    for arch in hyperparameters.ARCHITECTURES:
        model = architectures.build(arch, seq_len=40)
        probability, logit = prediction.predict(model, x), prediction.predict(model, x, output="logit")
        assert probability.shape == (3,) and np.allclose(probability, 1 / (1 + np.exp(-logit)), atol=1e-5), arch
        out[arch] = len(list(all_layers(model)))
    out["recipe"] = recipes.get_recipe("default")["optimizer"]
    out["precision"] = precision.resolve_precision("auto")
    out["tensorflow"] = sorted(m for m in sys.modules if m.startswith("tensorflow"))
    print(json.dumps(out))
    """, env={"KERAS_BACKEND": "numpy"})
    assert done.returncode == 0, done.stderr[-3000:]
    last = done.stdout.strip().splitlines()[-1]
    if last.startswith("SKIP"):
        pytest.skip(f"Keras' numpy backend is not importable here ({last[5:]}); it needs jax installed")
    result = json.loads(last)
    assert result["backend"] == "numpy" and result["tensorflow"] == []
    assert all(result[arch] > 3 for arch in ("cnn", "rnn", "cnn_rnn"))
    assert result["precision"] == "float32"


def test_importing_datasets_registers_the_tfds_builders():
    done = _run("""
        import deepmotif.datasets
        import tensorflow_datasets as tfds
        names = set(tfds.list_builders(with_community_datasets=False))
        print(sorted({"encode_tfbs", "synthetic_tfbs", "user_tfbs"} - names))
        print(tfds.builder("synthetic_tfbs/tiny").info.features["label"].names)
    """, env={"TF_CPP_MIN_LOG_LEVEL": "3"})
    assert done.returncode == 0, done.stderr[-3000:]
    missing, labels = done.stdout.strip().splitlines()[-2:]
    assert missing == "[]" and labels == "['unbound', 'bound']"


def test_recurrent_models_train_on_jax_with_keras_own_lstm():
    """The GPU benchmark's path (`KERAS_BACKEND=jax`, bench/gpu.py): the architectures' `bilstm`
    (`zoo.fused_lstm.FusedBidirectional`) is Keras's own layer there, and the models train."""
    done = _run(_BLOCK_TENSORFLOW + """
    try:
        import jax  # noqa: F401
        import keras
    except ImportError as missing:
        print("SKIP", missing)
        raise SystemExit(0)
    import json
    import numpy as np
    from deepmotif.zoo.architectures import build
    from deepmotif.zoo.fused_lstm import FusedBidirectional, runs_fused
    from deepmotif.zoo.layer_walk import weighted_layer

    rng = np.random.default_rng(0)
    x = np.eye(4, dtype="float32")[rng.integers(0, 4, (64, 30))]
    y = (x[:, :, 2].sum(1, keepdims=True) > 7).astype("float32")
    out = {"backend": keras.backend.backend()}
    for arch in ("rnn", "cnn_rnn"):
        model = build(arch, seq_len=30, lstm_units=4, reverse_complement=True)
        layer = weighted_layer(model, "bilstm")
        model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="binary_crossentropy")
        losses = model.fit(x, y, epochs=3, batch_size=16, verbose=0).history["loss"]
        out[arch] = [isinstance(layer, FusedBidirectional), runs_fused(layer), losses]
    print(json.dumps(out))
    """, env={"KERAS_BACKEND": "jax"})
    assert done.returncode == 0, done.stderr[-3000:]
    last = done.stdout.strip().splitlines()[-1]
    if last.startswith("SKIP"):
        pytest.skip(f"JAX is not importable here ({last[5:]})")
    result = json.loads(last)
    assert result["backend"] == "jax"
    for arch in ("rnn", "cnn_rnn"):
        is_fused_class, fused_here, losses = result[arch]
        assert is_fused_class and not fused_here, arch
        assert all(math.isfinite(loss) for loss in losses) and losses[-1] != losses[0], arch
