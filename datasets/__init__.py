"""deepmotif.datasets: TFBS data as TensorFlow Datasets builders and `tf.data` pipelines.

Importing this package registers the builders `encode_tfbs`, `synthetic_tfbs`, `user_tfbs`.
"""

from deepmotif.core.errors import (
    DatasetError,
    DeepMotifError,
    MissingFilesError,
    SequenceFormatError,
    UnknownNameError,
)
from deepmotif.core.sequences import ALPHABET, DEFAULT_SEQ_LEN, one_hot, one_hot_strings, tokenize

try:  # TensorFlow (Datasets) may be absent, e.g. on a JAX-only GPU machine: sequences, errors, jaspar still work
    import tensorflow_datasets  # noqa: F401
except ModuleNotFoundError as missing:
    if missing.name not in ("tensorflow", "tensorflow_datasets"):
        raise
    _MISSING = missing
else:
    _MISSING = None
    # Importing the builder modules is what registers them with TFDS.
    from deepmotif.datasets.encode_tfbs import encode_tfbs_dataset_builder  # noqa: F401
    from deepmotif.datasets.synthetic_tfbs import synthetic_tfbs_dataset_builder  # noqa: F401
    from deepmotif.datasets.user_tfbs import user_tfbs_dataset_builder  # noqa: F401
    from deepmotif.datasets.pipeline import (
        DEFAULT_DATASET,
        batches,
        build_dataset,
        dataset_metadata,
        list_datasets,
        load,
        load_arrays,
    )

__all__ = [
    "ALPHABET",
    "DEFAULT_DATASET",
    "DEFAULT_SEQ_LEN",
    "DatasetError",
    "DeepMotifError",
    "MissingFilesError",
    "SequenceFormatError",
    "UnknownNameError",
    "batches",
    "build_dataset",
    "dataset_metadata",
    "list_datasets",
    "load",
    "load_arrays",
    "one_hot",
    "one_hot_strings",
    "tokenize",
]


def __getattr__(name):
    if _MISSING is not None and name in __all__:
        raise ImportError(f"deepmotif.datasets.{name} needs {_MISSING.name}, which is not installed") from _MISSING
    raise AttributeError(f"module 'deepmotif.datasets' has no attribute {name!r}")
