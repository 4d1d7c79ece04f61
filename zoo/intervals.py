"""Bootstrap confidence intervals of auROC and auPRC, and the wording of a comparison they allow.

`bootstrap_intervals(y_true, y_score, n_resamples=1000, seed=0)` resamples the test examples with
replacement (percentile bootstrap, 95% by default). A resample is a vector of counts (how often each
example was drawn), so every resample is scored at once with numpy: no Python loop per resample.
Scores follow scikit-learn exactly (`roc_auc_score`, `average_precision_score` with the counts as
`sample_weight`): ties count one half in auROC, and auPRC steps at each distinct score.

`mean_interval(test_sets)` does the same for an auROC averaged over several test sets (a table's mean row).

`versus(interval, reference)` is the wording rule of docs/results.md: a model is "above" a published
number only when its whole interval is above it, "below" when the whole interval is below, else "level".
"""

from __future__ import annotations

import numpy as np

DEFAULT_RESAMPLES = 1000
LEVEL = 0.95
_CHUNK_CELLS = 4_000_000  # resamples x examples held in memory at once (float64: 32 MB)


def _grouped(y_score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Order of the examples by score, descending, and where each run of tied scores starts in it."""
    order = np.argsort(-y_score, kind="stable")
    ranked = y_score[order]
    return order, np.flatnonzero(np.concatenate([[True], ranked[1:] != ranked[:-1]]))


def weighted_scores(y_true, y_score, weights) -> tuple[np.ndarray, np.ndarray]:
    """auROC and auPRC of `(n,)` labels and scores under each row of `weights (b, n)` -> two `(b,)` arrays.

    A row whose weighted examples hold only one class gets NaN (undefined, as in scikit-learn).
    """
    y_true = np.asarray(y_true).astype(bool).reshape(-1)
    y_score = np.asarray(y_score, np.float64).reshape(-1)
    weights = np.atleast_2d(np.asarray(weights, np.float64))
    order, starts = _grouped(y_score)
    positive = y_true[order]
    w = weights[:, order]                                                  # (b, n), best score first
    pos = np.add.reduceat(w * positive, starts, axis=1)                    # (b, groups): weight per tie group
    neg = np.add.reduceat(w * ~positive, starts, axis=1)
    n_pos, n_neg = pos.sum(1), neg.sum(1)
    defined = (n_pos > 0) & (n_neg > 0)
    safe_pos, safe_neg = np.where(defined, n_pos, 1.0), np.where(defined, n_neg, 1.0)
    # auROC: each positive beats the negatives scored lower (later groups) and ties with its own group.
    neg_below = n_neg[:, None] - np.cumsum(neg, axis=1)
    auroc = (pos * (neg_below + 0.5 * neg)).sum(1) / (safe_pos * safe_neg)
    # auPRC (average precision): precision at each distinct score, weighted by the recall it adds.
    tp, fp = np.cumsum(pos, axis=1), np.cumsum(neg, axis=1)
    precision = tp / np.where(tp + fp > 0, tp + fp, 1.0)
    auprc = (pos * precision).sum(1) / safe_pos
    return np.where(defined, auroc, np.nan), np.where(defined, auprc, np.nan)


def _check(y_true, y_score) -> tuple[np.ndarray, np.ndarray]:
    y_true = np.asarray(y_true).astype(int).reshape(-1)
    y_score = np.asarray(y_score, np.float64)
    models = y_score.reshape(-1, y_score.shape[-1]) if y_score.ndim > 1 else y_score.reshape(1, -1)
    n = len(y_true)
    if models.shape[1] != n:
        raise ValueError(f"{models.shape[1]} scores per model for {n} labels")
    if n == 0 or len(np.unique(y_true)) < 2:
        raise ValueError("bootstrap intervals need examples of both classes")
    return y_true, models


def bootstrap_replicates(y_true, y_score, n_resamples: int = DEFAULT_RESAMPLES,
                         seed=0) -> tuple[np.ndarray, np.ndarray]:
    """The models' mean auROC and auPRC on each of `n_resamples` resamples of the examples -> two
    `(n_resamples,)` arrays (NaN where a resample drew one class only). Arguments as `bootstrap_intervals`;
    `seed` may also be a `numpy.random.SeedSequence`."""
    y_true, models = _check(y_true, y_score)
    if n_resamples < 1:
        raise ValueError(f"need at least one bootstrap resample, got {n_resamples}")
    n = len(y_true)
    rng = np.random.default_rng(seed)
    chunk = max(1, _CHUNK_CELLS // n)
    auroc, auprc = [], []
    for start in range(0, n_resamples, chunk):
        counts = rng.multinomial(n, np.full(n, 1.0 / n), size=min(chunk, n_resamples - start))
        per_model = [weighted_scores(y_true, scores, counts) for scores in models]
        auroc.append(np.mean([roc for roc, _ in per_model], axis=0))
        auprc.append(np.mean([prc for _, prc in per_model], axis=0))
    return np.concatenate(auroc), np.concatenate(auprc)


def _percentiles(values: np.ndarray, level: float) -> list[float]:
    tail = 100.0 * (1.0 - level) / 2.0
    low, high = np.nanpercentile(values, [tail, 100.0 - tail])
    return [float(low), float(high)]


def bootstrap_intervals(y_true, y_score, n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0,
                        level: float = LEVEL) -> dict:
    """Percentile-bootstrap intervals of auROC and auPRC over the examples.

    Parameters
    ----------
    y_true : (n,) binary labels.
    y_score : (n,) or (k, n) scores (probabilities or logits: only their order matters). With `k` rows
        (k models, e.g. seeds, scoring the same examples) the interval is that of their mean auROC
        (auPRC): every resample draws the same examples for all k (a paired bootstrap).
    n_resamples : int, default 1000. Resamples of `n` examples drawn with replacement.
    seed : int, default 0. The same seed gives the same intervals.
    level : float, default 0.95. Coverage of the central interval.

    Returns
    -------
    dict with `auroc_ci` and `auprc_ci` (`[low, high]` floats), `bootstrap` (the number of resamples)
    and `ci_level`. Resamples that drew one class only are left out (only possible for tiny sets).
    """
    auroc, auprc = bootstrap_replicates(y_true, y_score, n_resamples, seed)
    return {"auroc_ci": _percentiles(auroc, level), "auprc_ci": _percentiles(auprc, level),
            "bootstrap": int(n_resamples), "ci_level": float(level)}


def mean_interval(test_sets, n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0,
                  level: float = LEVEL) -> list[float]:
    """Percentile-bootstrap interval of an auROC averaged over several independent test sets (the
    "mean" row of a table of experiments).

    Parameters
    ----------
    test_sets : sequence of `(y_true (n_i,), y_score (n_i,) or (k_i, n_i))`
        One pair per test set (experiment), as `bootstrap_intervals` takes them; `k_i` models (seeds)
        of one set are paired on its examples.
    n_resamples, seed, level
        As `bootstrap_intervals`. Each set is resampled on its own stream (`SeedSequence(seed).spawn`),
        and resample `b` of the mean averages resample `b` of every set.

    Returns
    -------
    list of float
        `[low, high]` of the mean auROC.
    """
    test_sets = list(test_sets)
    if not test_sets:
        raise ValueError("mean_interval needs at least one test set")
    streams = np.random.SeedSequence(seed).spawn(len(test_sets))
    replicates = [bootstrap_replicates(y_true, y_score, n_resamples, stream)[0]
                  for (y_true, y_score), stream in zip(test_sets, streams)]
    return _percentiles(np.mean(replicates, axis=0), level)


def versus(interval, reference: float) -> str:
    """"above" when the interval's low end is above `reference`, "below" when its high end is
    below it, else "level" (the data cannot tell them apart)."""
    low, high = (float(v) for v in interval)
    if low > reference:
        return "above"
    if high < reference:
        return "below"
    return "level"


def format_interval(value, interval, digits: int = 3) -> str:
    """`0.952 [0.941, 0.962]`; the bare value when there is no interval."""
    text = f"{float(value):.{digits}f}"
    if interval is None:
        return text
    return f"{text} [{float(interval[0]):.{digits}f}, {float(interval[1]):.{digits}f}]"
