"""Export a trained model as a TensorFlow Serving SavedModel.

Layout (what TF Serving polls): `<base_dir>/<name>/<version>/` with `saved_model.pb`,
`variables/` and `assets.extra/` (`tf_serving_warmup_requests`, `model_card.json`, and
`model.keras` for fine-tuning and interpretation). `<base_dir>/models.config` lists every
model under the base path. Signatures:

- `serving_default`: `one_hot` float32 `(batch, L, 4)` -> `probability` float32 `(batch, 1)`.
- `predict_sequences`: `sequences` tf.string `(batch,)` -> `probability` float32 `(batch, 1)`;
  the one-hot encoding runs in the graph (uppercased, ACGT, `N` -> zero row). A string
  of another length or with another character fails with `InvalidArgument`.

A version directory appears whole or not at all: it is written under a hidden sibling
(TF Serving only loads all-digit names) and renamed into place.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from deepmotif.core.errors import DeepMotifError
from deepmotif.core.sequences import ALPHABET
from deepmotif.core import atomic
from deepmotif.zoo.registry import check_name

DEFAULT_BASE_DIR = "exported_models"
SERVING_ROOT = "/models"  # where `docker run -v $PWD/exported_models:/models` mounts the base path
KERAS_FILE = "model.keras"
_VERSION = re.compile(r"[0-9]+")  # fullmatch only


class ExportError(DeepMotifError, ValueError):
    """An export that cannot be written as asked (backend, existing version, bad model)."""


def versions(model_dir) -> list[int]:
    """All-digit version directories of one model that hold a `saved_model.pb`, ascending."""
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        return []
    return sorted(
        int(p.name) for p in model_dir.iterdir() if _VERSION.fullmatch(p.name) and (p / "saved_model.pb").is_file()
    )


def encode_strings(sequences, seq_len: int):
    """tf.string `(batch,)` -> float32 one-hot `(batch, seq_len, 4)`, in the graph.

    Uppercases, maps A C G T to channels 0-3 and N to a zero row. Raises
    `InvalidArgumentError` naming the offending sequences or lengths otherwise.
    """
    import tensorflow as tf

    upper = tf.strings.upper(sequences)
    valid = tf.strings.regex_full_match(upper, "[ACGTN]*")
    lengths = tf.strings.length(upper)
    right_length = tf.equal(lengths, seq_len)
    checks = [
        tf.debugging.Assert(
            tf.reduce_all(valid),
            [
                "predict_sequences: sequences may contain only the characters A, C, G, T, N "
                "(either case); offending sequences:",
                tf.boolean_mask(sequences, tf.logical_not(valid)),
            ],
            summarize=3,
        ),
        tf.debugging.Assert(
            tf.reduce_all(right_length),
            [
                f"predict_sequences: every sequence must be exactly {seq_len} characters long; got lengths:",
                tf.boolean_mask(lengths, tf.logical_not(right_length)),
            ],
            summarize=5,
        ),
    ]
    with tf.control_dependencies(checks):
        codes = tf.io.decode_raw(upper, tf.uint8, fixed_length=seq_len)
    table = [4] * 256  # everything but ACGT -> index 4, which tf.one_hot(depth=4) makes a zero row
    for i, base in enumerate(ALPHABET):
        table[ord(base)] = i
    tokens = tf.gather(tf.constant(table, tf.int32), tf.cast(codes, tf.int32))
    return tf.one_hot(tokens, depth=4, dtype=tf.float32)


def write_saved_model(model, path, seq_len: int | None = None) -> None:
    """Write `model` (one-hot `(batch, L, 4)` -> probability) as a SavedModel at `path`."""
    import keras
    import tensorflow as tf

    if keras.backend.backend() != "tensorflow":
        raise ExportError(
            f"SavedModel export needs the TensorFlow backend (KERAS_BACKEND={keras.backend.backend()}); "
            "run `KERAS_BACKEND=tensorflow deepmotif export ...`"
        )
    seq_len = int(seq_len or model.input_shape[1])

    def serve_one_hot(one_hot):
        return {"probability": tf.cast(model(one_hot, training=False), tf.float32)}

    def serve_sequences(sequences):
        return serve_one_hot(encode_strings(sequences, seq_len))

    # Endpoints track the variables they use; `archive.track(model)` would store every weight twice.
    archive = keras.export.ExportArchive()
    archive.add_endpoint(
        "serving_default", serve_one_hot, [tf.TensorSpec((None, seq_len, 4), tf.float32, name="one_hot")]
    )
    archive.add_endpoint(
        "predict_sequences", serve_sequences, [tf.TensorSpec((None,), tf.string, name="sequences")]
    )
    archive.write_out(str(path), verbose=False)


def export_model(model, name: str, version: int | None = None, base_dir=DEFAULT_BASE_DIR, card: dict | None = None) -> Path:
    """Export a Keras model to `<base_dir>/<name>/<version>/` atomically; returns that path.

    `version` defaults to one more than the highest present. `card` (see `model_card`) is
    completed with name, version, seq_len and signatures and stored in `assets.extra/`.
    """
    from deepmotif.zoo import model_card, serving_config, warmup

    check_name(name)
    base_dir = Path(base_dir)
    model_dir = base_dir / name
    present = versions(model_dir)
    version = int(version) if version is not None else (present[-1] + 1 if present else 1)
    if version < 1:
        raise ExportError(f"version must be a positive integer, got {version}")
    target = model_dir / str(version)
    if target.exists():
        raise ExportError(f"{target} already exists; pick another --version (present: {present or 'none'})")
    seq_len = int(model.input_shape[1])

    with atomic.atomic_path(target) as tmp:
        write_saved_model(model, tmp, seq_len)
        extra = tmp / "assets.extra"
        extra.mkdir(exist_ok=True)
        model.save(extra / KERAS_FILE)
        warmup.write_warmup_requests(extra / warmup.WARMUP_FILE, name, seq_len)
        full_card = model_card.complete_card(card or {}, model, name=name, version=version)
        model_card.write_card(extra, full_card)
    serving_config.write_models_config(base_dir)
    return target


def _load_run(run_dir):
    """`(model, config, metrics)` from a run directory or a `.keras` file (optimizer dropped)."""
    from deepmotif.zoo.runs import METRICS, load_run

    model, config = load_run(run_dir, compile=False)  # no optimizer: the copied .keras stays small
    run_dir = Path(run_dir)
    metrics_path = (run_dir if run_dir.is_dir() else run_dir.parent) / METRICS
    metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else {}
    return model, config, metrics


def export(run_dir, name: str, version: int | None = None, base_dir=DEFAULT_BASE_DIR) -> Path:
    """Export the model of a training run (`deepmotif train --out RUN_DIR`) for TF Serving.

    Writes `<base_dir>/<name>/<version>/` (version defaults to highest + 1) with both
    signatures, warmup requests and a model card built from the run's `config.json` and
    `metrics.json`, then refreshes `<base_dir>/models.config`. Returns the version directory.
    """
    from deepmotif.zoo import model_card
    from deepmotif.zoo.registry import sha256_file

    model, config, metrics = _load_run(run_dir)
    card = model_card.card_from_run(config, metrics, source=str(Path(run_dir)))
    keras_file = Path(run_dir) if Path(run_dir).suffix == ".keras" else Path(run_dir) / KERAS_FILE
    card["source_sha256"] = sha256_file(keras_file)  # lets `publish` skip runs already exported
    return export_model(model, name, version=version, base_dir=base_dir, card=card)


def latest_version_dir(base_dir, name: str) -> Path | None:
    """The highest version directory of `name` under `base_dir`, or None."""
    present = versions(Path(base_dir) / name)
    return Path(base_dir) / name / str(present[-1]) if present else None


def current_export(base_dir, name: str, run_dir) -> Path | None:
    """The latest version of `name` if it was exported from `run_dir`'s present `model.keras`, else None
    (so a retrained run gets a new version and an unchanged one is not exported twice)."""
    from deepmotif.zoo.model_card import read_card
    from deepmotif.zoo.registry import sha256_file

    version_dir = latest_version_dir(base_dir, name)
    if version_dir is None:
        return None
    same = read_card(version_dir).get("source_sha256") == sha256_file(Path(run_dir) / KERAS_FILE)
    return version_dir if same else None


__all__ = ["export", "export_model", "encode_strings", "versions", "latest_version_dir", "current_export",
           "ExportError"]

