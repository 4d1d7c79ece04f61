"""A Beam `ModelHandler` over an exported SavedModel's signature, keyed by locus or variant chunk.

Beam's own `TFModelHandlerTensor` loads with `tf.keras.models.load_model`, which cannot read a
SavedModel directory under Keras 3 (apache/beam#30613); this handler loads with
`tf.saved_model.load(path).signatures[signature]`, as TF Serving would: `serving_default`
(one-hot float32 `(batch, W, 4)` -> `probability`) for scans, `predict_logits` (-> `logit`) for
variant effects (`zoo/saved_models.py`).

An example is one chunk of windows as uint8 tokens `(n, W)` (one byte a base on the wire); its
prediction is `PredictionResult(example, scores)`, `scores` float32 `(n,)`, or `(n, 2)` (as given,
reverse complement) with `both_strands=True`. Beam batches whole chunks (`batch_elements_kwargs`)
and the handler calls the signature `batch_size` windows at a time. `check_windows` is meant as a
preprocessing step, so that under `RunInference(...).with_exception_handling()` a malformed chunk
fails alone (a dead letter with its key) instead of failing the batch it would have joined.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from apache_beam.ml.inference.base import KeyedModelHandler, ModelHandler, PredictionResult

from deepmotif.core.errors import DeepMotifError
from deepmotif.core.sequences import TOKEN_N, one_hot, reverse_complement_tokens

DEFAULT_SIGNATURE = "serving_default"
DEFAULT_BATCH_SIZE = 1024  # windows per signature call, as `zoo.prediction.predict`


class BeamInputError(DeepMotifError, ValueError):
    """A keyed example that is not a chunk of windows the model can score (names the key)."""


class SignatureModel:
    """One signature of a loaded SavedModel as `(n, W, 4) float32 -> (n,) float32` (its one output)."""

    def __init__(self, path: str, signature: str = DEFAULT_SIGNATURE):
        import tensorflow as tf

        self._loaded = tf.saved_model.load(str(path))  # a signature keeps only weak references to it
        if signature not in self._loaded.signatures:
            raise BeamInputError(f"{path}: no signature {signature!r} (it has "
                                 f"{', '.join(sorted(self._loaded.signatures))}); re-export the model")
        self._function = self._loaded.signatures[signature]
        (self._input, spec), = self._function.structured_input_signature[1].items()
        (self._output,) = self._function.structured_outputs
        self.window = spec.shape[1]

    def __call__(self, x: np.ndarray) -> np.ndarray:
        import tensorflow as tf

        result = self._function(**{self._input: tf.constant(x, tf.float32)})
        return result[self._output].numpy().astype(np.float32, copy=False).reshape(-1)


class check_windows:  # noqa: N801  (used like a function: a picklable preprocessing step)
    """`(key, windows)` unchanged if `windows` is `(n, window)` tokens 0-4, else `BeamInputError`."""

    def __init__(self, window: int):
        self.window = int(window)

    def __call__(self, keyed):
        key, windows = keyed
        windows = np.asarray(windows)
        if windows.ndim != 2 or windows.dtype != np.uint8 or windows.shape[1] != self.window:
            raise BeamInputError(f"{key}: expected uint8 token windows (n, {self.window}), got "
                                 f"{windows.dtype} {windows.shape}")
        if windows.size and int(windows.max()) > TOKEN_N:
            raise BeamInputError(f"{key}: tokens must be 0-4 (A C G T N), found {int(windows.max())}")
        return key, windows


class SavedModelHandler(ModelHandler):
    """Score chunks of token windows with a SavedModel signature inside `RunInference`.

    Parameters
    ----------
    saved_model_dir : str or Path
        An exported version directory (`exported_models/<name>/<version>/`), on any filesystem
        TensorFlow reads (`gs://...` on Dataflow).
    signature : str, default "serving_default"
        A signature taking one float32 `(batch, W, 4)` tensor and returning one `(batch, 1)` output.
    both_strands : bool, default False
        Also score each window's reverse complement: predictions `(n, 2)`.
    batch_size : int, default 1024
        Windows per signature call.
    max_chunks_per_batch : int, default 1
        Beam's `max_batch_size` (`batch_elements_kwargs`): chunks handed to one `run_inference`.
    """

    def __init__(self, saved_model_dir, signature: str = DEFAULT_SIGNATURE, *, both_strands: bool = False,
                 batch_size: int = DEFAULT_BATCH_SIZE, max_chunks_per_batch: int = 1):
        if batch_size < 1 or max_chunks_per_batch < 1:
            raise BeamInputError(f"batch_size and max_chunks_per_batch must be positive, got {batch_size}, "
                                 f"{max_chunks_per_batch}")
        super().__init__(min_batch_size=1, max_batch_size=int(max_chunks_per_batch))
        self._path = str(saved_model_dir)
        self._signature = signature
        self._both = bool(both_strands)
        self._batch_size = int(batch_size)

    def load_model(self) -> SignatureModel:
        return SignatureModel(self._path, self._signature)

    def _score(self, model: SignatureModel, windows: np.ndarray) -> np.ndarray:
        parts = [model(one_hot(windows[at:at + self._batch_size])) for at in range(0, len(windows), self._batch_size)]
        return np.concatenate(parts) if parts else np.zeros((0,), np.float32)

    def run_inference(self, batch, model: SignatureModel, inference_args=None):
        """`batch`: chunks of `(n_i, W)` uint8 windows -> one `PredictionResult` per chunk, `inference`
        its `(n_i,)` float32 scores in window order (`(n_i, 2)` with `both_strands`)."""
        windows = np.concatenate([np.asarray(c) for c in batch]) if len(batch) > 1 else np.asarray(batch[0])
        scores = self._score(model, windows)
        if self._both:
            scores = np.stack([scores, self._score(model, reverse_complement_tokens(windows))], axis=1)
        bounds = np.cumsum([0] + [len(c) for c in batch])
        return [PredictionResult(c, scores[a:b], self._path) for c, a, b in zip(batch, bounds[:-1], bounds[1:])]

    def get_num_bytes(self, batch) -> int:
        return int(sum(np.asarray(c).nbytes for c in batch))

    def get_metrics_namespace(self) -> str:
        return "deepmotif"


def keyed_handler(saved_model_dir, window: int, preprocess=(), **kwargs) -> KeyedModelHandler:
    """`KeyedModelHandler(SavedModelHandler(saved_model_dir, **kwargs))`: `(key, example)` ->
    `(key, PredictionResult)`, after the per-element `preprocess` steps (each `(key, x) -> (key, y)`)
    and `check_windows(window)`, so each of them reports failures element by element."""
    handler = KeyedModelHandler(SavedModelHandler(saved_model_dir, **kwargs))
    for step in reversed((*preprocess, check_windows(window))):  # Beam runs the last one given first
        handler = handler.with_preprocess_fn(step)
    return handler


def signatures_of(version_dir) -> set[str]:
    """The signatures an export's model card lists (empty if it has no card)."""
    from deepmotif.zoo.model_card import read_card

    try:
        return set(read_card(Path(version_dir)).get("signatures", {}))
    except (OSError, ValueError):
        return set()


def job_saved_model(model, model_ref, job_dir: str, signature: str) -> str:
    """The SavedModel a job's workers load: `model_ref` itself when it is a local export whose card
    lists `signature` and the job folder is local too; otherwise `model` written (all signatures,
    `zoo.saved_models.write_saved_model`) into `<job_dir>/saved_model`, where the workers read."""
    from deepmotif.zoo.saved_models import write_saved_model

    local_job = "://" not in str(job_dir)
    path = Path(str(model_ref))
    if local_job and (path / "saved_model.pb").is_file() and signature in signatures_of(path):
        return str(path)
    target = f"{str(job_dir).rstrip('/')}/saved_model"
    write_saved_model(model, target)
    return target
