"""deepmotif.zoo: the paper's architectures, training, evaluation, export and the model registry.

Attributes are imported lazily so that `import deepmotif.zoo` stays cheap for the CLI.
"""

from deepmotif.zoo import lazy_exports

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

lazy_exports.install(__name__, _EXPORTS)
