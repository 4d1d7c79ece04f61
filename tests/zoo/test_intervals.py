"""Bootstrap intervals of auROC/auPRC against scikit-learn, and the "above / level / below" wording
that the compare table and the dashboard use against DeepBind*."""

import csv

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from deepmotif.zoo.comparison import results_table
from deepmotif.zoo.intervals import bootstrap_intervals, format_interval, versus, weighted_scores


def _scored(n: int, seed: int = 0, separation: float = 1.0, ties: bool = False):
    """`n` labels and noisy scores (rounded to 1 decimal when `ties`, so many scores tie)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    s = rng.normal(size=n) + separation * y
    return y, (np.round(s, 1) if ties else s)


@pytest.mark.parametrize("ties", [False, True])
def test_weighted_scores_equal_sklearn_with_sample_weight(ties):
    y, s = _scored(300, seed=1, ties=ties)
    weights = np.random.default_rng(2).multinomial(300, np.full(300, 1 / 300), size=25)
    auroc, auprc = weighted_scores(y, s, weights)
    np.testing.assert_allclose(auroc, [roc_auc_score(y, s, sample_weight=w) for w in weights], atol=1e-12)
    np.testing.assert_allclose(auprc, [average_precision_score(y, s, sample_weight=w) for w in weights], atol=1e-12)
    # unit weights are the plain scores
    one_roc, one_prc = weighted_scores(y, s, np.ones((1, 300)))
    assert one_roc[0] == pytest.approx(roc_auc_score(y, s))
    assert one_prc[0] == pytest.approx(average_precision_score(y, s))


def test_bootstrap_equals_a_loop_over_sklearn_on_the_same_resamples():
    y, s = _scored(200, seed=3, ties=True)
    got = bootstrap_intervals(y, s, n_resamples=300, seed=7)
    counts = np.random.default_rng(7).multinomial(200, np.full(200, 1 / 200), size=300)  # the same draws
    roc, prc = [], []
    for c in counts:
        idx = np.repeat(np.arange(200), c)  # an ordinary resample of indices with these counts
        if len(np.unique(y[idx])) == 2:
            roc.append(roc_auc_score(y[idx], s[idx]))
            prc.append(average_precision_score(y[idx], s[idx]))
    np.testing.assert_allclose(got["auroc_ci"], np.percentile(roc, [2.5, 97.5]), atol=1e-12)
    np.testing.assert_allclose(got["auprc_ci"], np.percentile(prc, [2.5, 97.5]), atol=1e-12)
    assert got["bootstrap"] == 300 and got["ci_level"] == 0.95


def test_intervals_contain_the_estimate_are_seeded_and_narrow_with_more_data():
    small_y, small_s = _scored(200, seed=4)
    large_y, large_s = _scored(5000, seed=4)
    small = bootstrap_intervals(small_y, small_s, seed=0)
    large = bootstrap_intervals(large_y, large_s, seed=0)
    for (y, s), ci in (((small_y, small_s), small), ((large_y, large_s), large)):
        assert ci["auroc_ci"][0] < roc_auc_score(y, s) < ci["auroc_ci"][1]
        assert ci["auprc_ci"][0] < average_precision_score(y, s) < ci["auprc_ci"][1]
    width = lambda ci, key: ci[key][1] - ci[key][0]  # noqa: E731
    assert width(large, "auroc_ci") < 0.4 * width(small, "auroc_ci")   # ~ 1/sqrt(25) = 0.2 expected
    assert width(large, "auprc_ci") < 0.4 * width(small, "auprc_ci")
    assert bootstrap_intervals(small_y, small_s, seed=0) == small
    assert bootstrap_intervals(small_y, small_s, seed=1) != small
    with pytest.raises(ValueError, match="both classes"):
        bootstrap_intervals([1, 1, 1], [0.1, 0.2, 0.3])


def test_wording_needs_the_whole_interval_past_the_bar():
    assert versus([0.961, 0.978], 0.960) == "above"
    assert versus([0.955, 0.978], 0.960) == "level"   # point estimate above, interval not
    assert versus([0.900, 0.959], 0.960) == "below"
    assert format_interval(0.9523, [0.9411, 0.9620]) == "0.952 [0.941, 0.962]"
    assert format_interval(0.9523, None) == "0.952"


def test_compare_table_shows_intervals_and_says_above_only_when_the_interval_clears_deepbind_star():
    results = {"encode_tfbs/A": {"cnn": 0.97, "cnn_rnn": 0.965}, "encode_tfbs/B": {"cnn": 0.80, "cnn_rnn": 0.91}}
    refs = {"encode_tfbs/A": {"deepbind_star_auroc": 0.96, "deepbind_auroc": 0.95},
            "encode_tfbs/B": {"deepbind_star_auroc": 0.90, "deepbind_auroc": 0.89}}
    intervals = {"encode_tfbs/A": {"cnn": [0.962, 0.978], "cnn_rnn": [0.950, 0.976]},
                 "encode_tfbs/B": {"cnn": [0.77, 0.83], "cnn_rnn": [0.89, 0.93]}}
    md, table = results_table(results, ["cnn", "cnn_rnn"], refs, intervals)
    lines = md.splitlines()
    assert lines[2] == "| A | 0.970 [0.962, 0.978] (above) | 0.965 [0.950, 0.976] (level) | 0.960 | 0.950 |"
    assert lines[3] == "| B | 0.800 [0.770, 0.830] (below) | 0.910 [0.890, 0.930] (level) | 0.900 | 0.890 |"
    assert "cnn above on 1, level on 0, below on 1; cnn_rnn above on 0, level on 2, below on 0" in md
    rows = list(csv.DictReader(table.splitlines()))
    assert rows[0]["cnn_low"] == "0.9620" and rows[0]["cnn_vs_DeepBind*"] == "above"
    assert rows[1]["cnn_rnn_vs_DeepBind*"] == "level" and rows[2]["experiment"] == "mean"
    # without intervals the table is unchanged (and says nothing it cannot back)
    plain, _ = results_table(results, ["cnn", "cnn_rnn"], refs)
    assert "above" not in plain and "| A | 0.970 | 0.965 | 0.960 | 0.950 |" in plain


def test_the_mean_over_test_sets_has_its_own_interval_from_independent_resamples():
    from deepmotif.zoo.intervals import bootstrap_replicates, mean_interval

    sets = [_scored(300, seed=10 + k, separation=0.5 + 0.3 * k) for k in range(4)]
    paired = (sets[0][0], np.stack([sets[0][1], sets[0][1] + np.random.default_rng(5).normal(0, 0.5, 300)]))
    test_sets = [paired, *sets[1:]]
    low, high = mean_interval(test_sets, n_resamples=400, seed=3)

    # the same as averaging each set's own replicates, each set on its own spawned stream
    streams = np.random.SeedSequence(3).spawn(4)
    means = np.mean([bootstrap_replicates(y, s, 400, stream)[0] for (y, s), stream in zip(test_sets, streams)], axis=0)
    assert [low, high] == pytest.approx(list(np.percentile(means, [2.5, 97.5])))
    point = np.mean([np.mean([roc_auc_score(y, row) for row in np.atleast_2d(s)]) for y, s in test_sets])
    assert low < point < high
    # averaging four independent sets narrows the interval below any single set's
    widths = [np.diff(bootstrap_intervals(y, s, n_resamples=400)["auroc_ci"])[0] for y, s in sets]
    assert high - low < min(widths)
    with pytest.raises(ValueError, match="at least one"):
        mean_interval([])
