"""Export a trained model as a TensorFlow Serving SavedModel.

Layout (what TF Serving polls): `<base_dir>/<name>/<version>/` with `saved_model.pb`,
`variables/` and `assets.extra/` (`tf_serving_warmup_requests`, `model_card.json`, and
`keras_model.json`: the Keras architecture, whose weights `deepmotif.zoo.load` restores from
`variables/`, so each weight is stored once). `<base_dir>/models.config` lists every
model under the base path. Signatures:

- `serving_default`: `one_hot` float32 `(batch, W, 4)` windows of the model's length `W` ->
  `probability` float32 `(batch, 1)`.
- `predict_sequences`: `sequences` tf.string `(batch,)`, each of any length >= `W` ->
  `probability` float32 `(batch, 1)`, the best window's probability, and `position` int64
  `(batch,)`, that window's 0-based start (DeepBind's convention: a sequence scores as its best
  window; stride 1, first of equal windows). A string of exactly `W` has one window, so its
  probability is the model's score of it.
- `scan_sequences`: `sequences` as above -> `probability` float32 `(batch, max_windows)`, the
  probability of the window starting at each position (row `i` padded with 0 past its
  `windows[i]` windows), and `windows` int64 `(batch,)` = `length - W + 1`.
- `predict_logits`: `one_hot` as `serving_default` -> `logit` float32 `(batch, 1)`, the score
  before the sigmoid (variant effects are logit differences; the Beam jobs of `zoo/beam` call it).
The one-hot encoding runs in the graph (uppercased, ACGT, `N` -> zero row). A string shorter
than `W` or with another character fails with `InvalidArgument`. An empty batch gets empty
outputs. Windows are scored `WINDOW_CHUNK` at a time, so memory is bounded whatever the lengths.
Strands are as the model was trained (`--reverse-complement average` models average inside).
A bidirectional LSTM is run by `zoo.fused_lstm`'s inference-only twin on the same variables
(fewer operations per step), and each convolution -> batch norm -> ReLU as one convolution by
`zoo.folded_batch_norm` (kernel and bias folded in the graph from the same variables); outputs
equal Keras' to float32 rounding.

A version directory appears whole or not at all: it is written under a hidden sibling
(TF Serving only loads all-digit names) and renamed into place.
"""

from __future__ import annotations

import json
from pathlib import Path

from deepmotif.core.errors import DeepMotifError
from deepmotif.core.sequences import one_hot_tensor, tokens_tensor
from deepmotif.core import atomic
from deepmotif.zoo.model_names import check_name
from deepmotif.zoo.version_dirs import versions

DEFAULT_BASE_DIR = "exported_models"
SERVING_ROOT = "/models"  # where `docker run -v $PWD/exported_models:/models` mounts the base path
KERAS_FILE = "model.keras"
WINDOW_CHUNK = 8192  # windows per model call inside the string signatures


class ExportError(DeepMotifError, ValueError):
    """An export that cannot be written as asked (backend, existing version, bad model)."""


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
    return one_hot_tensor(tokens_tensor(codes))  # token 4 (N) -> a zero row


def string_tokens(sequences, min_length: int, signature: str = "predict_sequences"):
    """tf.string `(batch,)` of any lengths >= `min_length` -> `(tokens, lengths)`, in the graph.

    `tokens` int32 `(batch, longest)` (A0 C1 G2 T3 N4, uppercased; shorter rows padded with N),
    `lengths` int32 `(batch,)`. Raises `InvalidArgumentError` naming the offending sequences or
    lengths; an empty batch gives `(0, min_length)` tokens.
    """
    import tensorflow as tf

    upper = tf.strings.upper(sequences)
    valid = tf.strings.regex_full_match(upper, "[ACGTN]*")
    lengths = tf.strings.length(upper)
    long_enough = lengths >= min_length
    checks = [
        tf.debugging.Assert(
            tf.reduce_all(valid),
            [f"{signature}: sequences may contain only the characters A, C, G, T, N (either case); "
             "offending sequences:", tf.boolean_mask(sequences, tf.logical_not(valid))],
            summarize=3,
        ),
        tf.debugging.Assert(
            tf.reduce_all(long_enough),
            [f"{signature}: every sequence must be at least {min_length} characters long (the model's "
             "window); got lengths:", tf.boolean_mask(lengths, tf.logical_not(long_enough))],
            summarize=5,
        ),
    ]
    with tf.control_dependencies(checks):
        longest = tf.reduce_max(tf.concat([lengths, [min_length]], 0))
        codes = tf.io.decode_raw(upper, tf.uint8, fixed_length=longest)  # pads with 0 bytes: N
    return tokens_tensor(codes), lengths  # the zero bytes that pad short rows become N


def window_probabilities(model, tokens, lengths, window: int, chunk: int = WINDOW_CHUNK):
    """Probability of every `window`-long window of each row, in the graph.

    Parameters
    ----------
    model : keras.Model
        One-hot `(b, window, 4)` -> probability `(b, 1)`.
    tokens : tf.Tensor
        int32 `(batch, longest)` tokens (from `string_tokens`).
    lengths : tf.Tensor
        int32 `(batch,)` valid length of each row (>= `window`).

    Returns
    -------
    (tf.Tensor, tf.Tensor)
        float32 `(batch, max(1, max_windows))` probabilities (window `j` starts at `j`; 0 past a
        row's last window) and int32 `(batch,)` window counts. Only real windows are scored,
        `chunk` per model call.
    """
    import tensorflow as tf

    counts = tf.maximum(lengths - window + 1, 0)
    ends = tf.cumsum(counts)
    total = tf.reduce_sum(counts)
    n_chunks = (total + chunk - 1) // chunk
    one_hot_table = tf.constant([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0]], tf.float32)
    offsets = tf.range(window)

    def score_all():
        def body(i, scores):
            ids = tf.range(i * chunk, tf.minimum((i + 1) * chunk, total))
            rows = tf.searchsorted(ends, ids, side="right")
            starts = ids - (tf.gather(ends, rows) - tf.gather(counts, rows))
            positions = starts[:, None] + offsets[None, :]
            index = tf.stack([tf.broadcast_to(rows[:, None], tf.shape(positions)), positions], axis=-1)
            x = tf.gather(one_hot_table, tf.gather_nd(tokens, index))
            return i + 1, scores.write(i, tf.reshape(tf.cast(model(x, training=False), tf.float32), [-1]))

        scores = tf.TensorArray(tf.float32, size=n_chunks, infer_shape=False, element_shape=tf.TensorShape([None]))
        _, scores = tf.while_loop(lambda i, _: i < n_chunks, body, (tf.constant(0, n_chunks.dtype), scores))
        return scores.concat()

    flat = tf.cond(total > 0, score_all, lambda: tf.zeros([0], tf.float32))
    width = tf.reduce_max(tf.concat([counts, [1]], 0))
    shape = tf.cast(tf.stack([tf.size(counts), width]), tf.int64)
    padded = tf.RaggedTensor.from_row_lengths(flat, tf.cast(counts, tf.int64)).to_tensor(0.0, shape=shape)
    return padded, counts


def serving_chunk(model) -> int | None:
    """Rows per model call inside `serving_default`: 256 for convolution-only models, whose batch of
    1024 runs 2x faster in chunks that keep the activations in cache (bench/optimization_log.md);
    None (one call) for recurrent models, whose LSTM steps gain from the whole batch."""
    from deepmotif.zoo.layer_walk import all_layers

    return None if any(layer.name == "bilstm" for layer in all_layers(model)) else 256


def in_chunks(model, x, chunk: int | None):
    """`model(x)` as float32 `(batch, 1)`, computed `chunk` rows at a time when the batch is larger
    (each row's score is the same either way: no layer mixes rows at inference)."""
    import tensorflow as tf

    def whole():
        return tf.cast(model(x, training=False), tf.float32)

    if chunk is None:
        return whole()

    def chunked():
        steps = (tf.shape(x)[0] + chunk - 1) // chunk

        def body(i, parts):
            part = x[i * chunk:(i + 1) * chunk]
            return i + 1, parts.write(i, tf.cast(model(part, training=False), tf.float32))

        parts = tf.TensorArray(tf.float32, size=steps, infer_shape=False, element_shape=tf.TensorShape([None, 1]))
        _, parts = tf.while_loop(lambda i, _: i < steps, body, (tf.constant(0), parts))
        return parts.concat()

    return tf.cond(tf.shape(x)[0] > chunk, chunked, whole)


def write_saved_model(model, path, seq_len: int | None = None, fuse_lstm: bool = True,
                      fold_batch_norm: bool = True) -> None:
    """Write `model` (one-hot `(batch, W, 4)` -> probability) as a SavedModel at `path` with the
    `serving_default`, `predict_sequences`, `scan_sequences` and `predict_logits` signatures
    (module docstring); `seq_len` is the window `W` (default: `window_of(model)`). With `fuse_lstm`
    every signature runs the bidirectional LSTM as `zoo.fused_lstm` computes it (same variables,
    fewer operations per step), with `fold_batch_norm` each convolution -> batch norm -> ReLU as
    `zoo.folded_batch_norm` computes it (one convolution); False keeps Keras' own layers (for
    comparison)."""
    import keras
    import tensorflow as tf

    from deepmotif.zoo.architectures import logit_model
    from deepmotif.zoo.folded_batch_norm import fold_batch_norms
    from deepmotif.zoo.fused_lstm import inference_model
    from deepmotif.zoo.scanning import window_of

    def lean(scoring_model):  # the same function of the same variables, fewer operations
        scoring_model = inference_model(scoring_model) if fuse_lstm else scoring_model
        return fold_batch_norms(scoring_model) if fold_batch_norm else scoring_model

    if keras.backend.backend() != "tensorflow":
        raise ExportError(
            f"SavedModel export needs the TensorFlow backend (KERAS_BACKEND={keras.backend.backend()}); "
            "run `KERAS_BACKEND=tensorflow deepmotif export ...`"
        )
    seq_len = int(seq_len or window_of(model))
    scorer = lean(model)  # the model itself when nothing is fused or folded
    chunk = serving_chunk(model)

    def serve_one_hot(one_hot):
        # recurrent layers fail on an empty batch, so an empty request never reaches the model
        probability = tf.cond(tf.shape(one_hot)[0] > 0,
                              lambda: in_chunks(scorer, one_hot, chunk),
                              lambda: tf.zeros([0, 1], tf.float32))
        return {"probability": probability}

    def serve_sequences(sequences):
        tokens, lengths = string_tokens(sequences, seq_len, "predict_sequences")
        scores, counts = window_probabilities(scorer, tokens, lengths, seq_len)
        masked = tf.where(tf.range(tf.shape(scores)[1])[None, :] < counts[:, None], scores, -1.0)
        return {"probability": tf.reduce_max(masked, axis=1, keepdims=True),
                "position": tf.argmax(masked, axis=1, output_type=tf.int64)}

    def scan_sequences(sequences):
        tokens, lengths = string_tokens(sequences, seq_len, "scan_sequences")
        scores, counts = window_probabilities(scorer, tokens, lengths, seq_len)
        return {"probability": scores, "windows": tf.cast(counts, tf.int64)}

    # Endpoints track the variables they use; `archive.track(model)` would store every weight twice.
    archive = keras.export.ExportArchive()
    archive.add_endpoint(
        "serving_default", serve_one_hot, [tf.TensorSpec((None, seq_len, 4), tf.float32, name="one_hot")]
    )
    archive.add_endpoint(
        "predict_sequences", serve_sequences, [tf.TensorSpec((None,), tf.string, name="sequences")]
    )
    archive.add_endpoint(
        "scan_sequences", scan_sequences, [tf.TensorSpec((None,), tf.string, name="sequences")]
    )
    logits = lean(logit_model(model))

    def serve_logits(one_hot):
        logit = tf.cond(tf.shape(one_hot)[0] > 0,
                        lambda: tf.cast(logits(one_hot, training=False), tf.float32),
                        lambda: tf.zeros([0, 1], tf.float32))
        return {"logit": logit}

    archive.add_endpoint(
        "predict_logits", serve_logits, [tf.TensorSpec((None, seq_len, 4), tf.float32, name="one_hot")]
    )
    archive.write_out(str(path), verbose=False)


def export_model(model, name: str, version: int | None = None, base_dir=DEFAULT_BASE_DIR, card: dict | None = None) -> Path:
    """Export a Keras model to `<base_dir>/<name>/<version>/` atomically; returns that path.

    `version` defaults to one more than the highest present. `card` (see `model_card`) is
    completed with name, version, seq_len and signatures and stored in `assets.extra/`.
    """
    from deepmotif.zoo import export_leftovers, exported_keras, model_card, serving_config, warmup

    check_name(name)
    base_dir = Path(base_dir)
    model_dir = base_dir / name
    export_leftovers.remove_stale(model_dir)  # hidden folders of killed exports
    present = versions(model_dir)
    version = int(version) if version is not None else (present[-1] + 1 if present else 1)
    if version < 1:
        raise ExportError(f"version must be a positive integer, got {version}")
    target = model_dir / str(version)
    if target.exists():
        raise ExportError(f"{target} already exists; pick another --version (present: {present or 'none'})")
    from deepmotif.zoo.scanning import window_of

    seq_len = window_of(model)

    try:
        with atomic.atomic_path(target) as tmp:
            export_leftovers.claim(tmp.parent)  # so a later export can tell a killed one's leftovers
            write_saved_model(model, tmp, seq_len)
            extra = tmp / "assets.extra"
            extra.mkdir(exist_ok=True)
            exported_keras.write_keras_config(model, tmp)  # the architecture; its weights are variables/
            warmup.write_warmup_requests(extra / warmup.WARMUP_FILE, name, seq_len)
            full_card = model_card.complete_card(card or {}, model, name=name, version=version)
            model_card.write_card(extra, full_card)
    except OSError as e:
        if target.exists():  # os.replace lost a race: a concurrent export took this version first
            raise ExportError(f"{target} was written by another export of {name} while this one ran; this "
                              "export kept nothing. Run it again to get the next version.") from e
        raise
    serving_config.write_models_config(base_dir)
    return target


def _load_run(run_dir):
    """`(model, config, metrics)` from a run directory or a `.keras` file (optimizer dropped)."""
    from deepmotif.zoo.model_loading import load_run
    from deepmotif.zoo.runs import METRICS

    model, config = load_run(run_dir, compile=False)  # no optimizer: the copied .keras stays small
    run_dir = Path(run_dir)
    metrics_path = (run_dir if run_dir.is_dir() else run_dir.parent) / METRICS
    metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else {}
    return model, config, metrics


def export(run_dir, name: str, version: int | None = None, base_dir=DEFAULT_BASE_DIR,
           card_extra: dict | None = None) -> Path:
    """Export the model of a training run for TensorFlow Serving.

    Writes `<base_dir>/<name>/<version>/` atomically (TF Serving never sees half a version) with both
    signatures (`serving_default`: one-hot `(batch, L, 4)`; `predict_sequences`: DNA strings), warmup
    requests and a model card built from the run's `config.json` and `metrics.json`, then refreshes
    `<base_dir>/models.config`.

    Parameters
    ----------
    run_dir : str or pathlib.Path
        A run directory (`deepmotif train --out RUN_DIR`) or a `.keras` file.
    name : str
        Flat model name (letters, digits, `_ . + -`), e.g. `GATA1_K562_GATA-1_USC.cnn_rnn`.
    version : int, optional
        Default: one more than the highest present.
    base_dir : str or pathlib.Path, default "exported_models"
        TF Serving's base path.
    card_extra : dict, optional
        More card sections (e.g. `seeds` from `deepmotif.zoo.publish.seeds_card`).

    Returns
    -------
    pathlib.Path
        The version directory written.
    """
    from deepmotif.zoo import model_card
    from deepmotif.zoo.registry import sha256_file

    model, config, metrics = _load_run(run_dir)
    card = model_card.card_from_run(config, metrics, source=str(Path(run_dir)))
    keras_file = Path(run_dir) if Path(run_dir).suffix == ".keras" else Path(run_dir) / KERAS_FILE
    card["source_sha256"] = sha256_file(keras_file)  # lets `publish` skip runs already exported
    card.update(card_extra or {})
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


__all__ = ["export", "export_model", "encode_strings", "string_tokens", "window_probabilities", "versions", "latest_version_dir", "current_export",
           "ExportError"]

