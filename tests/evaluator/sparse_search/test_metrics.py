"""Specs of the benchmark metrics against independent implementations (scipy, plain loops)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from evaluator.benchmarks.sparse_search.metrics import (
    convergence_epoch,
    diff_bootstrap_interval,
    diff_vs_random,
    percentile_within,
)


def test_convergence_epoch_is_the_first_epoch_reaching_the_fraction_of_the_final_value():
    rng = np.random.default_rng(0)
    for _ in range(50):
        curve = rng.uniform(0.0, 1.0, size=12)
        expected = next(i + 1 for i, v in enumerate(curve) if v >= 0.95 * curve[-1])
        assert convergence_epoch(curve=curve, fraction=0.95) == expected
    assert convergence_epoch(curve=np.array([0.1, 0.5, 0.96, 0.9, 1.0]), fraction=0.95) == 3
    assert convergence_epoch(curve=np.array([0.0, 0.0]), fraction=0.95) == 1


@pytest.mark.parametrize(
    ("curve", "fraction", "message"),
    [
        (np.array([]), 0.95, "non-empty"),
        (np.array([0.1, np.nan]), 0.95, "NaN"),
        (np.array([0.5]), 0.0, "fraction"),
    ],
)
def test_convergence_epoch_rejects_bad_input_naming_it(curve, fraction, message):
    with pytest.raises(ValueError, match=message):
        convergence_epoch(curve=curve, fraction=fraction)


def test_percentile_within_matches_scipy_percentileofscore_mean_kind():
    rng = np.random.default_rng(1)
    for _ in range(50):
        dist = rng.integers(0, 6, size=20) / 5.0
        value = rng.integers(0, 6) / 5.0
        assert percentile_within(value=value, distribution=dist) == pytest.approx(
            stats.percentileofscore(dist, value, kind="mean")
        )


def test_percentile_within_rejects_empty_distribution():
    with pytest.raises(ValueError, match="non-empty"):
        percentile_within(value=0.5, distribution=np.array([]))


def test_diff_vs_random_is_the_level_mean_of_mean_differences():
    rng = np.random.default_rng(2)
    acc, ref = rng.uniform(size=(4, 5)), rng.uniform(size=(4, 20, 5))
    per_level = [sum(acc[lv]) / 5 - sum(ref[lv].ravel()) / 100 for lv in range(4)]
    assert diff_vs_random(accuracy=acc, random_accuracy=ref) == pytest.approx(sum(per_level) / 4)


def test_diff_vs_random_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="same levels and seeds"):
        diff_vs_random(accuracy=np.zeros((4, 5)), random_accuracy=np.zeros((4, 20, 3)))


def test_diff_bootstrap_interval_matches_a_plain_loop_with_the_same_draws():
    rng = np.random.default_rng(3)
    acc, ref = rng.uniform(size=(3, 4)), rng.uniform(size=(3, 6, 4))
    low, high = diff_bootstrap_interval(accuracy=acc, random_accuracy=ref, reps=300, seed=9)
    draws = np.random.default_rng(9)
    seed_draw = draws.integers(0, 4, size=(300, 4))
    mask_draws = [draws.integers(0, 6, size=(300, 6)) for _ in range(3)]
    diffs = []
    for b in range(300):
        total = 0.0
        for lv in range(3):
            sub = np.mean([acc[lv, s] for s in seed_draw[b]])
            refs = np.mean([ref[lv, m, s] for m in mask_draws[lv][b] for s in seed_draw[b]])
            total += sub - refs
        diffs.append(total / 3)
    assert (low, high) == pytest.approx(tuple(np.quantile(diffs, [0.025, 0.975])))
    assert low <= diff_vs_random(accuracy=acc, random_accuracy=ref) <= high


def test_diff_bootstrap_interval_collapses_for_constant_accuracies():
    acc, ref = np.full((2, 3), 0.9), np.full((2, 5, 3), 0.8)
    low, high = diff_bootstrap_interval(accuracy=acc, random_accuracy=ref, reps=50)
    assert low == pytest.approx(0.1) and high == pytest.approx(0.1)


def test_diff_bootstrap_interval_rejects_zero_replicates():
    with pytest.raises(ValueError, match="reps"):
        diff_bootstrap_interval(accuracy=np.zeros((1, 2)), random_accuracy=np.zeros((1, 2, 2)), reps=0)
