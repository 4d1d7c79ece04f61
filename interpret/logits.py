"""The float32 positive-class score every interpretation method differentiates.

A model trained under `mixed_float16` computes in half precision; its gradients with respect
to the input are too coarse for saliency. `float32_logit_model` rebuilds the network from its
config with every layer in float32 and copies the weights, so attributions are computed in
float32 whatever policy the model was trained with.
"""

from __future__ import annotations

import weakref

import keras

from deepmotif.zoo.architectures import recorded_window
from deepmotif.zoo.layer_walk import all_layers

_CACHE: "weakref.WeakKeyDictionary[keras.Model, keras.Model]" = weakref.WeakKeyDictionary()
_GRADIENT_CACHE: "weakref.WeakKeyDictionary[keras.Model, keras.Model]" = weakref.WeakKeyDictionary()


def _float32_config(obj):
    """A copy of a Keras config with every dtype policy replaced by float32."""
    if isinstance(obj, dict):
        if obj.get("class_name") in ("DTypePolicy", "FloatDTypePolicy") and isinstance(obj.get("config"), dict):
            return {**obj, "config": {**obj["config"], "name": "float32"}}
        return {k: ("float32" if k == "dtype" and isinstance(v, str) and v.startswith("mixed_") else _float32_config(v))
                for k, v in obj.items()}
    if isinstance(obj, list):
        return [_float32_config(v) for v in obj]
    return obj


def is_mixed_precision(model: keras.Model) -> bool:
    return any(layer.dtype_policy.compute_dtype != "float32" for layer in all_layers(model))


def float32_model(model: keras.Model) -> keras.Model:
    """`model` itself if it computes in float32, else a float32 copy with the same weights."""
    if not is_mixed_precision(model):
        return model
    import deepmotif.zoo.architectures  # noqa: F401  (registers ReverseComplement)

    config = _float32_config(model.get_config())
    copy = model.__class__.from_config(config)
    copy.set_weights(model.get_weights())
    return copy


def float32_logit_model(model: keras.Model) -> keras.Model:
    """Input `(batch, L, 4)` -> float32 logit `(batch, 1)`, cached per model."""
    cached = _CACHE.get(model)
    if cached is None:
        full = float32_model(model)
        cached = keras.Model(full.inputs[0], full.get_layer("logit").output, name=f"{model.name}_logit32")
        _CACHE[model] = cached
    return cached


def differentiable_logit_model(model: keras.Model) -> keras.Model:
    """`float32_logit_model(model)` for taking gradients with respect to the input: a bidirectional
    LSTM runs through the kernels whose gradient is fastest (`zoo.fused_lstm.inference_model` with
    `differentiated=True`; the same function of the same weights). Cached per model."""
    from deepmotif.zoo.fused_lstm import inference_model

    cached = _GRADIENT_CACHE.get(model)
    if cached is None:
        cached = inference_model(float32_logit_model(model), differentiated=True)
        _GRADIENT_CACHE[model] = cached
    return cached


def seq_len_of(model: keras.Model) -> int | None:
    """The window length `L` the model was trained on (None if it records none)."""
    return recorded_window(model)
