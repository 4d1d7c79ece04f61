"""`models.config`: TF Serving's `model_config_list` for every model under a base path.

Start TF Serving with `--model_config_file=/models/models.config` after mounting the base
path at `/models`; it serves the newest version of each model and picks up new ones
(with `--model_config_file_poll_wait_seconds`). Rewritten atomically after every export.

The file is built as TF Serving's own `ModelServerConfig` proto and written with protobuf's
`text_format`, so a name can never break out of its string; names are also checked
(`check_name`: no newline, quote or path separator can get in).
"""

from __future__ import annotations

from pathlib import Path

from deepmotif.core import atomic
from deepmotif.zoo.model_names import ModelNameError, check_name
from deepmotif.zoo.version_dirs import versions

CONFIG_FILE = "models.config"
HEADER = "# Written by `deepmotif export`; do not edit (it is regenerated).\n"


def served_models(base_dir) -> list[str]:
    """Names of the models under `base_dir` that have at least one complete version.

    Folders whose names are not valid model names (`check_name`) are skipped: TF Serving would
    put them in URLs, and a newline in one must never reach `models.config`.
    """
    base_dir = Path(base_dir)
    if not base_dir.is_dir():
        return []
    names = []
    for path in base_dir.iterdir():
        try:
            check_name(path.name)
        except ModelNameError:
            continue
        if path.is_dir() and versions(path):
            names.append(path.name)
    return sorted(names)


def models_config(names, serving_root: str = "/models"):
    """The `ModelServerConfig` proto serving each of `names` (newest version) from `<serving_root>/<name>`.

    Parameters
    ----------
    names : iterable of str
        Model names; each must pass `check_name`.
    serving_root : str, default "/models"
        Where the base path is mounted inside the TF Serving container.

    Returns
    -------
    tensorflow_serving.config.model_server_config_pb2.ModelServerConfig

    Raises
    ------
    ModelNameError
        A name with a character TF Serving's URLs or the config file cannot hold.
    """
    from tensorflow_serving.config import model_server_config_pb2

    config = model_server_config_pb2.ModelServerConfig()
    for name in names:
        entry = config.model_config_list.config.add()
        entry.name = check_name(name)
        entry.base_path = f"{serving_root.rstrip('/')}/{name}"
        entry.model_platform = "tensorflow"
        entry.model_version_policy.latest.num_versions = 1
    return config


def models_config_text(names, serving_root: str = "/models") -> str:
    """`models_config(names, serving_root)` as the text proto TF Serving reads, with a header comment."""
    from google.protobuf import text_format

    command = f"# tensorflow_model_server --model_config_file={serving_root.rstrip('/')}/{CONFIG_FILE}\n"
    return HEADER + command + text_format.MessageToString(models_config(names, serving_root))


def read_models_config(path):
    """Parse a `models.config` (text proto) into a `ModelServerConfig`; raises `text_format.ParseError`."""
    from google.protobuf import text_format
    from tensorflow_serving.config import model_server_config_pb2

    return text_format.Parse(Path(path).read_text(), model_server_config_pb2.ModelServerConfig())


def write_models_config(base_dir, serving_root: str = "/models") -> Path:
    """Regenerate `<base_dir>/models.config` from what is on disk; returns its path."""
    path = Path(base_dir) / CONFIG_FILE
    atomic.write_text(path, models_config_text(served_models(base_dir), serving_root))
    return path
