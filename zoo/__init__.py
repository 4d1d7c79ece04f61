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
    "load_run": "deepmotif.zoo.model_loading",
    "export": "deepmotif.zoo.saved_models",
    "load": ("deepmotif.zoo.model_loading", "load_model"),
    "pull": "deepmotif.zoo.registry",
    "list_models": "deepmotif.zoo.registry",
    "finetune": "deepmotif.zoo.fine_tuning",
    "predict": "deepmotif.zoo.prediction",
    "scan": "deepmotif.zoo.scanning",
    "variant_effects": "deepmotif.zoo.variant_scoring",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        module, attribute = _EXPORTS[name] if isinstance(_EXPORTS[name], tuple) else (_EXPORTS[name], name)
        return getattr(importlib.import_module(module), attribute)
    raise AttributeError(f"module 'deepmotif.zoo' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
