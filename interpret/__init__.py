"""deepmotif.interpret: why a model predicts binding. GradientTape saliency, temporal output
scores, class optimization, ISM, integrated gradients, motifs compared against JASPAR.

Attributes are imported on first use (PEP 562), so `import deepmotif.interpret` stays cheap.
"""

import importlib

_EXPORTS = {
    "saliency": "deepmotif.interpret.saliency_maps",
    "temporal_scores": "deepmotif.interpret.temporal",
    "class_optimization": "deepmotif.interpret.input_optimization",
    "ism": "deepmotif.interpret.saturation_mutagenesis",
    "integrated_gradients": "deepmotif.interpret.integrated_gradient_maps",
    "filter_motifs": "deepmotif.interpret.motifs",
    "filter_influence": "deepmotif.interpret.motifs",
    "match_jaspar": "deepmotif.interpret.motifs",
    "attribution_motif": "deepmotif.interpret.motifs",
    "informative_window": "deepmotif.interpret.motifs",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'deepmotif.interpret' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
