"""Evaluation: a model's binding probabilities on a dataset split, scored with scikit-learn.

`evaluate(run_dir, dataset=None, split="test")` -> `{"auroc", "auprc", "n", ...}`; for `encode_tfbs`
datasets the result also holds DeepBind's and DeepBind*'s published test auROC (`deepbind_auroc`,
`deepbind_star_auroc`) from the builder's metadata.
"""

from __future__ import annotations

import numpy as np

from deepmotif.core.errors import DeepMotifError


class EmptyDatasetError(DeepMotifError):
    """A split holds no examples (or only one class, so auROC is undefined)."""


def predict_tokens(model, tokens: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """Tokens `(n, L)` uint8 (A0 C1 G2 T3 N4) -> binding probabilities `(n,)` float32.

    One-hot encoding happens inside the tf.data pipeline (`N` -> zero row, as `one_hot` does).
    """
    import tensorflow as tf

    tokens = np.asarray(tokens)
    if tokens.ndim != 2 or len(tokens) == 0:
        raise EmptyDatasetError(f"expected tokens of shape (n, L) with n > 0, got {tokens.shape}")
    ds = (
        tf.data.Dataset.from_tensor_slices(tokens.astype(np.int32))
        .batch(batch_size)
        .map(lambda t: tf.one_hot(t, 4, dtype=tf.float32), num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )
    return np.asarray(model.predict(ds, verbose=0), dtype=np.float32).reshape(-1)


def scores(y_true, y_score) -> dict:
    """auROC and auPRC (scikit-learn) of binary labels `(n,)` against scores `(n,)`, with `n`."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    y_true = np.asarray(y_true).astype(int).reshape(-1)
    y_score = np.asarray(y_score, dtype=np.float64).reshape(-1)
    if len(y_true) == 0:
        raise EmptyDatasetError("no examples to evaluate")
    if len(np.unique(y_true)) < 2:
        raise EmptyDatasetError(f"all {len(y_true)} labels are {y_true[0]}: auROC needs both classes")
    return {
        "auroc": float(roc_auc_score(y_true, y_score)),
        "auprc": float(average_precision_score(y_true, y_score)),
        "n": int(len(y_true)),
    }


def predict_split(model, dataset: str, split: str = "test", manual_dir=None, data_dir=None, batch_size: int = 512):
    """`(y_true (n,), y_score (n,), ids (n,))` of `model` on a dataset split, in the split's order."""
    from deepmotif.datasets import load_arrays

    arrays = load_arrays(dataset, split, manual_dir=manual_dir, data_dir=data_dir)
    tokens = np.asarray(arrays["tokens"])
    if len(tokens) == 0:
        raise EmptyDatasetError(f"dataset {dataset!r} split {split!r} holds no examples")
    seq_len = model.inputs[0].shape[1]
    if seq_len is not None and tokens.shape[1] != seq_len:
        raise DeepMotifError(
            f"dataset {dataset!r} has sequences of length {tokens.shape[1]}, the model expects {seq_len}"
        )
    ids = np.asarray(arrays.get("id", np.arange(len(tokens))))
    ids = np.array([i.decode() if isinstance(i, bytes) else str(i) for i in ids])
    return np.asarray(arrays["label"]).astype(np.int64), predict_tokens(model, tokens, batch_size), ids


def reference_scores(dataset: str) -> dict:
    """Published DeepBind / DeepBind* test auROC for `encode_tfbs` datasets, else `{}`."""
    if not dataset.startswith("encode_tfbs"):
        return {}
    try:
        from deepmotif.datasets import dataset_metadata

        meta = dataset_metadata(dataset)
    except (DeepMotifError, ImportError, KeyError):
        return {}
    return {k: float(meta[k]) for k in ("deepbind_auroc", "deepbind_star_auroc") if meta.get(k) is not None}


def evaluate(run_dir, dataset: str | None = None, split: str = "test", manual_dir=None, data_dir=None,
             batch_size: int = 512) -> dict:
    """Score a trained run (directory or `.keras` file) on `dataset` (default: the one it was trained on).

    Returns `{"auroc", "auprc", "n", "dataset", "split"}` plus DeepBind references for ENCODE.
    `manual_dir`/`data_dir` default to the run's own.
    """
    from deepmotif.zoo.runs import load_run

    model, config = load_run(run_dir)
    dataset = dataset or config.get("dataset")
    if not dataset:
        raise DeepMotifError(f"{run_dir} records no dataset: pass --dataset")
    same = dataset == config.get("dataset")
    manual_dir = manual_dir or (config.get("manual_dir") if same else None)
    data_dir = data_dir or (config.get("data_dir") if same else None)
    y_true, y_score, _ = predict_split(model, dataset, split, manual_dir, data_dir, batch_size)
    return {**scores(y_true, y_score), "dataset": dataset, "split": split, **reference_scores(dataset)}
