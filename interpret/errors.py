"""Errors the interpretation methods raise at their boundary (all `DeepMotifError`s, so the
CLI prints them without a traceback)."""

from __future__ import annotations

from deepmotif.core.errors import DeepMotifError


class InputShapeError(DeepMotifError, ValueError):
    """Input is not one-hot `(n, L, 4)` with the length the model was built for."""


class UnsupportedModelError(DeepMotifError, ValueError):
    """The method needs a layer this model lacks (e.g. temporal scores need `bilstm`)."""


class ModelFileError(DeepMotifError, ValueError):
    """A path given as a model is not a run directory or a loadable `.keras` file."""
