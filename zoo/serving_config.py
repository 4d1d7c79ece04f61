"""`models.config`: TF Serving's `model_config_list` for every model under a base path.

Start TF Serving with `--model_config_file=/models/models.config` after mounting the base
path at `/models`; it serves the newest version of each model and picks up new ones
(with `--model_config_file_poll_wait_seconds`). Rewritten atomically after every export.
"""

from __future__ import annotations

from pathlib import Path

from deepmotif.core import atomic

CONFIG_FILE = "models.config"


def served_models(base_dir) -> list[str]:
    """Names of the models under `base_dir` that have at least one complete version."""
    from deepmotif.zoo.saved_models import versions

    base_dir = Path(base_dir)
    if not base_dir.is_dir():
        return []
    return sorted(p.name for p in base_dir.iterdir() if p.is_dir() and not p.name.startswith(".") and versions(p))


def models_config_text(names, serving_root: str = "/models") -> str:
    """The `model_config_list` text proto serving `names` from `<serving_root>/<name>`."""
    lines = [
        "# Written by `deepmotif export`; do not edit (it is regenerated).",
        f"# tensorflow_model_server --model_config_file={serving_root}/{CONFIG_FILE}",
        "model_config_list {",
    ]
    for name in names:
        lines += [
            "  config {",
            f'    name: "{name}"',
            f'    base_path: "{serving_root.rstrip("/")}/{name}"',
            '    model_platform: "tensorflow"',
            "    model_version_policy { latest { num_versions: 1 } }",
            "  }",
        ]
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_models_config(base_dir, serving_root: str = "/models") -> Path:
    """Regenerate `<base_dir>/models.config` from what is on disk; returns its path."""
    path = Path(base_dir) / CONFIG_FILE
    atomic.write_text(path, models_config_text(served_models(base_dir), serving_root))
    return path
