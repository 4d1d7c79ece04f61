"""deepmotif.zoo: the paper's architectures, training, evaluation, export and the model registry.

Attributes are imported lazily so that `import deepmotif.zoo` stays cheap for the CLI.
"""

import importlib

_EXPORTS = {
    "build": "deepmotif.zoo.architectures",
    "ARCHITECTURES": "deepmotif.zoo.architectures",
    "train": "deepmotif.zoo.training",
    "evaluate": "deepmotif.zoo.evaluation",
    "compare": "deepmotif.zoo.compare",
    "load_run": "deepmotif.zoo.runs",
    "export": "deepmotif.zoo.export",
    "load": "deepmotif.zoo.registry",
    "pull": "deepmotif.zoo.registry",
    "list_models": "deepmotif.zoo.registry",
    "finetune": "deepmotif.zoo.finetune",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'deepmotif.zoo' has no attribute {name!r}")
