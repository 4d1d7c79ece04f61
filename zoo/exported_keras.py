"""The Keras model inside an exported version, with its weights stored once.

TF Serving needs the SavedModel's `variables/`; fine-tuning and interpretation need a Keras model
(layer names such as `logit` and `bilstm` are API). Instead of a second copy of every weight in
`assets.extra/model.keras`, an export keeps only the Keras architecture in
`assets.extra/keras_model.json`, with the checkpoint key of each Keras weight in `variables/`, in
`model.weights` order (the order `get_weights`/`set_weights` use; weight paths are not stable:
a rebuilt Bidirectional may name its LSTMs `forward_lstm` where the trained one had `forward_lstm_1`):

    {"format": 1, "keras_version": "3.x", "model": <keras.saving.serialize_keras_object(model)>,
     "weights": [{"path": "conv1/kernel", "shape": [9, 4, 128],
                  "key": "_all_variables/6/.ATTRIBUTES/VARIABLE_VALUE"}, ...]}

`read_keras_model` rebuilds the architecture (`safe_mode=True`: no Lambda bytecode) and restores
each weight from `variables/` with `tf.train.load_checkpoint`, so its predictions equal the
exported model's bit for bit. Versions exported before this layout keep `assets.extra/model.keras`;
`deepmotif.zoo.model_loading` reads both.
"""

from __future__ import annotations

import json
from pathlib import Path

from deepmotif.core import atomic
from deepmotif.core.errors import DeepMotifError

KERAS_CONFIG_FILE = "keras_model.json"
FORMAT = 1
_OBJECT_GRAPH = "_CHECKPOINTABLE_OBJECT_GRAPH"


class ExportedWeightsError(DeepMotifError, ValueError):
    """An exported version's Keras architecture and its `variables/` do not fit together."""


def _checkpoint_keys(version_dir: Path) -> dict[str, str]:
    """TF variable name -> checkpoint key of every variable in `version_dir/variables/`."""
    import tensorflow as tf
    from tensorflow.core.protobuf import trackable_object_graph_pb2

    reader = tf.train.load_checkpoint(str(version_dir / "variables" / "variables"))
    graph = trackable_object_graph_pb2.TrackableObjectGraph()
    graph.ParseFromString(reader.get_tensor(_OBJECT_GRAPH))
    keys: dict[str, str] = {}
    for node in graph.nodes:
        for attribute in node.attributes:
            if attribute.name == "VARIABLE_VALUE":
                keys[attribute.full_name] = attribute.checkpoint_key
    return keys


def weight_keys(model, version_dir) -> list[dict]:
    """Where each weight of `model` is in `version_dir/variables/`, in `model.weights` order.

    Parameters
    ----------
    model : keras.Model
        The model `version_dir` was written from (TensorFlow backend).
    version_dir : str or pathlib.Path
        A SavedModel directory holding `variables/`.

    Returns
    -------
    list of dict
        `{"path", "shape", "key"}` per weight: its Keras path, shape and checkpoint key.

    Raises
    ------
    ExportedWeightsError
        A weight is missing from the checkpoint, or two weights share a name.
    """
    by_name = _checkpoint_keys(Path(version_dir))
    out, seen = [], set()
    for weight in model.weights:
        tf_name = weight.value.name.split(":")[0]
        if tf_name in seen or tf_name not in by_name:
            raise ExportedWeightsError(
                f"{version_dir}: weight {weight.path!r} (TF name {tf_name!r}) is "
                + ("not unique in the model" if tf_name in seen else "not in variables/")
            )
        seen.add(tf_name)
        out.append({"path": weight.path, "shape": list(weight.shape), "key": by_name[tf_name]})
    return out


def write_keras_config(model, version_dir) -> Path:
    """Write `assets.extra/keras_model.json` for a SavedModel just written from `model`.

    The checkpoint is read back and compared with `model`'s weights, so an export whose Keras
    model could not be restored exactly fails here, not when someone fine-tunes it.

    Parameters
    ----------
    model : keras.Model
        The exported model.
    version_dir : str or pathlib.Path
        The SavedModel directory (`saved_model.pb`, `variables/`) written from `model`.

    Returns
    -------
    pathlib.Path
        The JSON file written.
    """
    import keras
    import numpy as np
    import tensorflow as tf

    version_dir = Path(version_dir)
    keys = weight_keys(model, version_dir)
    reader = tf.train.load_checkpoint(str(version_dir / "variables" / "variables"))
    for weight, entry in zip(model.weights, keys):
        stored = reader.get_tensor(entry["key"])
        if not np.array_equal(stored, keras.ops.convert_to_numpy(weight.value)):
            raise ExportedWeightsError(f"{version_dir}: variables/ holds another value for {weight.path!r}")
    document = {
        "format": FORMAT,
        "keras_version": keras.__version__,
        "model": keras.saving.serialize_keras_object(model),
        "weights": keys,
    }
    path = version_dir / "assets.extra" / KERAS_CONFIG_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_json(path, document)
    return path


def read_keras_model(version_dir):
    """Rebuild the Keras model of an exported version from `keras_model.json` and `variables/`.

    Parameters
    ----------
    version_dir : str or pathlib.Path
        `<base_dir>/<name>/<version>/` holding `assets.extra/keras_model.json`.

    Returns
    -------
    keras.Model
        Uncompiled; one-hot `(batch, L, 4)` float32 -> probability `(batch, 1)`.

    Raises
    ------
    ExportedWeightsError
        The JSON is not this format, names a class that cannot be rebuilt safely, or does not fit
        `variables/` (a weight missing or of another shape).
    """
    import keras
    import tensorflow as tf

    import deepmotif.zoo.architectures  # noqa: F401  registers ReverseComplement for deserialization

    version_dir = Path(version_dir)
    path = version_dir / "assets.extra" / KERAS_CONFIG_FILE
    try:
        document = json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise ExportedWeightsError(f"{path}:{e.lineno}: not valid JSON ({e.msg})") from e
    if document.get("format") != FORMAT or not isinstance(document.get("weights"), list):
        raise ExportedWeightsError(f"{path}: not a keras_model.json of format {FORMAT}")
    try:
        model = keras.saving.deserialize_keras_object(document["model"], safe_mode=True)
    except Exception as e:  # keras raises ValueError/TypeError for unknown or unsafe classes
        raise ExportedWeightsError(f"{path}: the architecture cannot be rebuilt ({type(e).__name__}: {e})") from e
    try:
        reader = tf.train.load_checkpoint(str(version_dir / "variables" / "variables"))
    except (tf.errors.OpError, ValueError) as e:
        raise ExportedWeightsError(f"{version_dir / 'variables'}: not a readable checkpoint ({e})") from e
    entries = document["weights"]
    if len(entries) != len(model.weights):
        raise ExportedWeightsError(
            f"{path}: lists {len(entries)} weights; the architecture it describes has {len(model.weights)}")
    values = []
    for weight, entry in zip(model.weights, entries):
        if not reader.has_tensor(str(entry.get("key"))):
            raise ExportedWeightsError(f"{path}: no value for {entry.get('path')!r} in variables/ ({entry.get('key')})")
        value = reader.get_tensor(entry["key"])
        if tuple(value.shape) != tuple(weight.shape):
            raise ExportedWeightsError(f"{path}: {entry.get('path')!r} is {tuple(value.shape)} in variables/; "
                                       f"the architecture needs {tuple(weight.shape)} for {weight.path!r}")
        values.append(value)
    model.set_weights(values)
    return model
