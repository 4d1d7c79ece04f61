"""deepmotif.datasets: TFBS data as TensorFlow Datasets builders and `tf.data` pipelines.

Importing this package registers the builders `encode_tfbs`, `synthetic_tfbs`, `user_tfbs`.
"""

from deepmotif.datasets.errors import DeepMotifError, MissingFilesError, SequenceFormatError, UnknownNameError
from deepmotif.datasets.sequences import ALPHABET, DEFAULT_SEQ_LEN, one_hot, one_hot_strings, tokenize

# (datasets helper: register builders here and export load, load_arrays, list_datasets,
#  dataset_metadata, build_dataset, DEFAULT_DATASET from deepmotif.datasets.pipeline)
