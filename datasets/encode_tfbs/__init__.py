"""`encode_tfbs`: importing this module registers the TFDS builder."""

from deepmotif.datasets.encode_tfbs.encode_tfbs_dataset_builder import Builder

__all__ = ["Builder"]
