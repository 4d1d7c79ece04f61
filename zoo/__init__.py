"""deepmotif.zoo: the paper's architectures, training, evaluation, export and the model registry.

Attributes are imported on first use (PEP 562), so `import deepmotif.zoo` stays cheap. No module
shares its name with a function, so `zoo.export` is always the function.
"""

import importlib

_EXPORTS = {
    "build": "deepmotif.zoo.architectures",
    "ARCHITECTURES": "deepmotif.zoo.architectures",
    "train": "deepmotif.zoo.training",
    "evaluate": "deepmotif.zoo.evaluation",
    "compare": "deepmotif.zoo.comparison",
    "load_run": "deepmotif.zoo.runs",
    "export": "deepmotif.zoo.saved_models",
    "load": "deepmotif.zoo.registry",
    "pull": "deepmotif.zoo.registry",
    "list_models": "deepmotif.zoo.registry",
    "finetune": "deepmotif.zoo.fine_tuning",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'deepmotif.zoo' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
