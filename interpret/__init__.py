"""deepmotif.interpret: why a model predicts binding. GradientTape saliency, temporal output
scores, class optimization, ISM, integrated gradients, motifs compared against JASPAR."""

import importlib
import sys
import types

_EXPORTS = {
    "saliency": "deepmotif.interpret.saliency",
    "temporal_scores": "deepmotif.interpret.temporal",
    "class_optimization": "deepmotif.interpret.class_optimization",
    "ism": "deepmotif.interpret.ism",
    "integrated_gradients": "deepmotif.interpret.integrated_gradients",
    "filter_motifs": "deepmotif.interpret.motifs",
    "match_jaspar": "deepmotif.interpret.motifs",
    "attribution_motif": "deepmotif.interpret.motifs",
    "informative_window": "deepmotif.interpret.motifs",
}
__all__ = sorted(_EXPORTS)


class _Package(types.ModuleType):
    """Keeps `deepmotif.interpret.saliency` the function even after its module is imported
    (the import system would otherwise set the attribute to the module of the same name).
    Reach a module itself with `from deepmotif.interpret.saliency import ...`."""

    def __setattr__(self, name, value):
        if name in _EXPORTS and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'deepmotif.interpret' has no attribute {name!r}")
