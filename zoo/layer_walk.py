"""Walking a Keras model's layers, nested models included (the reverse-complement wrapper nests one)."""

from __future__ import annotations

from typing import Iterator


def all_layers(model) -> Iterator:
    """Every layer of `model`, depth first, descending into nested models.

    Parameters
    ----------
    model : keras.Model
        Any model; a layer that holds layers of its own (a nested `keras.Model`) is yielded, then its layers.

    Yields
    ------
    keras.layers.Layer
    """
    for layer in model.layers:
        yield layer
        if hasattr(layer, "layers"):
            yield from all_layers(layer)
