"""The TFDS features every TFBS builder shares: tokens, label, source id, whether a shuffle.

`sequence` is `(L,)` uint8 tokens (A0 C1 G2 T3 N4, `deepmotif.core.sequences`), one-hot only
in the pipeline. `label` is ClassLabel `unbound`(0) / `bound`(1).
"""

from __future__ import annotations

import numpy as np
import tensorflow_datasets as tfds

from deepmotif.datasets.readers import Record
from deepmotif.core.sequences import tokenize

LABEL_NAMES = ("unbound", "bound")


def tfbs_features(extra: dict | None = None) -> tfds.features.FeaturesDict:
    """FeaturesDict with `sequence`, `label`, `id`, `is_shuffled`, plus any `extra` features."""
    features = {
        "sequence": tfds.features.Tensor(shape=(None,), dtype=np.uint8),
        "label": tfds.features.ClassLabel(names=list(LABEL_NAMES)),
        "id": tfds.features.Text(),
        "is_shuffled": tfds.features.Scalar(dtype=np.bool_),
    }
    return tfds.features.FeaturesDict({**features, **(extra or {})})


def example_from_record(record: Record, **extra) -> dict:
    """A `Record` as a TFDS example dict (`sequence` tokenized to `(L,)` uint8)."""
    return {
        "sequence": tokenize(record.sequence),
        "label": int(record.label),
        "id": record.id,
        "is_shuffled": bool(record.is_shuffled),
        **extra,
    }
