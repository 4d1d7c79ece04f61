"""`synthetic_tfbs`: importing this module registers the TFDS builder."""

from deepmotif.datasets.synthetic_tfbs.synthetic_tfbs_dataset_builder import CONFIGS, Builder, SyntheticConfig

__all__ = ["Builder", "CONFIGS", "SyntheticConfig"]
