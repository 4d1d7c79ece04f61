"""deepmotif.interpret: why a model predicts binding. GradientTape saliency, temporal output
scores, class optimization, ISM, integrated gradients, motifs compared against JASPAR."""

import importlib

_EXPORTS = {
    "saliency": "deepmotif.interpret.saliency",
    "temporal_scores": "deepmotif.interpret.temporal",
    "class_optimization": "deepmotif.interpret.class_optimization",
    "ism": "deepmotif.interpret.ism",
    "integrated_gradients": "deepmotif.interpret.integrated_gradients",
    "filter_motifs": "deepmotif.interpret.motifs",
    "match_jaspar": "deepmotif.interpret.motifs",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'deepmotif.interpret' has no attribute {name!r}")
