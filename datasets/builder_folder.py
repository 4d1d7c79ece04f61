"""Tell TFDS where a builder's folder is.

TFDS finds a builder's README.md, CITATIONS.bib and checksums.tsv through its top-level package;
an editable install maps the `deepmotif` namespace to an import hook, not a folder, so TFDS
would look in the wrong place. Builders inherit from `InOwnFolder` to point it at their own file.
"""

from __future__ import annotations

import inspect

import tensorflow_datasets as tfds
from etils import epath


class InOwnFolder:
    """Mixin for `tfds.core.GeneratorBasedBuilder` subclasses (list it first)."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.pkg_dir_path = epath.Path(inspect.getfile(cls)).parent

    @tfds.core.utils.classproperty
    @classmethod
    def code_path(cls) -> epath.Path:
        return epath.Path(inspect.getfile(cls))
