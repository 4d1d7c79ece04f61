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


def weighted_layer(model, name: str):
    """The layer called `name` that holds weights, nested models included (a strand-averaging model has
    an `Average` named `logit` on top and the `Dense` named `logit` inside its strand model).

    Raises
    ------
    ValueError
        No layer of that name holds weights.
    """
    for layer in all_layers(model):
        if layer.name == name and layer.weights:
            return layer
    raise ValueError(f"no layer named {name!r} with weights in model {model.name!r}")
