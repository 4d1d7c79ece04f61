"""deepmotif.interpret: why a model predicts binding. GradientTape saliency, temporal output
scores, class optimization, ISM, integrated gradients, motifs compared against JASPAR."""

from deepmotif.zoo import lazy_exports

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

lazy_exports.install(__name__, _EXPORTS)
