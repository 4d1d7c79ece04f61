"""Evaluation: a model's binding probabilities on a dataset split, scored with scikit-learn.

`evaluate(run_dir, dataset=None, split="test")` -> `{"auroc", "auprc", "n", ...}`; for `encode_tfbs`
datasets the result also holds DeepBind's and DeepBind*'s published test auROC (`deepbind_auroc`,
`deepbind_star_auroc`) from the builder's metadata.
"""

from __future__ import annotations

import warnings

import numpy as np

from deepmotif.core.errors import DeepMotifError
from deepmotif.zoo.prediction import predict

MIN_SCORED = 100  # fewer test sequences than this give auROC/auPRC too noisy to compare models by


class EmptyDatasetError(DeepMotifError):
    """A split holds no examples (or only one class, so auROC is undefined)."""


class SmallSampleWarning(UserWarning):
    """A split too small for its auROC/auPRC to mean much (fewer than `MIN_SCORED` sequences)."""


def scores(y_true, y_score, bootstrap: int | None = None, seed: int = 0) -> dict:
    """auROC and auPRC (scikit-learn) of binary labels `(n,)` against scores `(n,)`, with `n`.

    With `bootstrap=N` also `auroc_ci` and `auprc_ci`: 95% percentile-bootstrap intervals over the
    examples from `N` resamples drawn with `seed` (`deepmotif.zoo.intervals`).
    """
    from sklearn.metrics import average_precision_score, roc_auc_score

    y_true = np.asarray(y_true).astype(int).reshape(-1)
    y_score = np.asarray(y_score, dtype=np.float64).reshape(-1)
    if len(y_true) == 0:
        raise EmptyDatasetError("no examples to evaluate")
    if len(np.unique(y_true)) < 2:
        raise EmptyDatasetError(f"all {len(y_true)} labels are {y_true[0]}: auROC needs both classes")
    result = {
        "auroc": float(roc_auc_score(y_true, y_score)),
        "auprc": float(average_precision_score(y_true, y_score)),
        "n": int(len(y_true)),
    }
    if bootstrap:
        from deepmotif.zoo.intervals import bootstrap_intervals

        result.update(bootstrap_intervals(y_true, y_score, n_resamples=int(bootstrap), seed=seed))
    return result


def warn_if_few(n: int, what: str) -> None:
    """Warn (`SmallSampleWarning`) when `n` sequences are too few to score meaningfully (< `MIN_SCORED`)."""
    if n < MIN_SCORED:
        warnings.warn(f"{what} holds only {n} sequences; auROC/auPRC on fewer than {MIN_SCORED} vary too much "
                      "between samples to rank models (evaluate on a larger split, or add --bootstrap)",
                      SmallSampleWarning, stacklevel=2)


def predict_split(model, dataset: str, split: str = "test", manual_dir=None, data_dir=None, batch_size: int = 512):
    """`(y_true (n,), y_score (n,), ids (n,))` of `model` on a dataset split, in the split's order."""
    from deepmotif.datasets import load_arrays

    arrays = load_arrays(dataset, split, manual_dir=manual_dir, data_dir=data_dir)
    tokens = np.asarray(arrays["tokens"])
    if len(tokens) == 0:
        raise EmptyDatasetError(f"dataset {dataset!r} split {split!r} holds no examples")
    from deepmotif.zoo.architectures import recorded_window

    seq_len = recorded_window(model)
    if seq_len is not None and tokens.shape[1] != seq_len:
        raise DeepMotifError(
            f"dataset {dataset!r} has sequences of length {tokens.shape[1]}, the model expects {seq_len}"
        )
    ids = np.asarray(arrays.get("id", np.arange(len(tokens))))
    ids = np.array([i.decode() if isinstance(i, bytes) else str(i) for i in ids])
    return np.asarray(arrays["label"]).astype(np.int64), predict(model, tokens, batch_size=batch_size), ids


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
             batch_size: int = 512, bootstrap: int | None = None, seed: int = 0) -> dict:
    """Score a trained run on a dataset split: auROC and auPRC (scikit-learn).

    Warns (`SmallSampleWarning`) when the split holds fewer than `MIN_SCORED` sequences.

    Parameters
    ----------
    run_dir : str or pathlib.Path
        A run directory (`deepmotif train --out RUN_DIR`) or a `.keras` file.
    dataset : str, optional
        Default: the dataset the run was trained on.
    split : str, default "test"
    manual_dir, data_dir : str or pathlib.Path, optional
        Default to the run's own (recorded as absolute paths) when scoring its own dataset.
    batch_size : int, default 512
        Sequences per call of the model (`deepmotif.zoo.prediction.predict`).
    bootstrap : int, optional
        Resamples for 95% percentile-bootstrap intervals (`deepmotif.zoo.intervals`).
    seed : int, default 0
        Seed of the bootstrap resamples.

    Returns
    -------
    dict
        `{"auroc", "auprc", "n", "dataset", "split"}`; for `encode_tfbs`, DeepBind's and DeepBind*'s
        published test auROC (`deepbind_auroc`, `deepbind_star_auroc`); with `bootstrap`, `auroc_ci` and
        `auprc_ci` as `[low, high]`.
    """
    from deepmotif.zoo.model_loading import load_run

    model, config = load_run(run_dir)
    dataset = dataset or config.get("dataset")
    if not dataset:
        raise DeepMotifError(f"{run_dir} records no dataset: pass --dataset")
    same = dataset == config.get("dataset")
    manual_dir = manual_dir or (config.get("manual_dir") if same else None)
    data_dir = data_dir or (config.get("data_dir") if same else None)
    y_true, y_score, _ = predict_split(model, dataset, split, manual_dir, data_dir, batch_size)
    warn_if_few(len(y_true), f"{dataset} [{split}]")
    return {**scores(y_true, y_score, bootstrap, seed), "dataset": dataset, "split": split,
            **reference_scores(dataset)}
