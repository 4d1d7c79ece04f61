"""`user_tfbs`: the user's own FASTA files as a TFDS builder (configs are made per dataset)."""

from deepmotif.datasets.user_tfbs.user_tfbs_dataset_builder import Builder, UserConfig

__all__ = ["Builder", "UserConfig"]
