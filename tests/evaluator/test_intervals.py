"""bootstrap_mean_interval: the percentile interval of resampled means, as a plain loop computes it."""

from __future__ import annotations

import numpy as np
import pytest

from evaluator.intervals import bootstrap_mean_interval


def test_bootstrap_mean_interval_matches_a_plain_loop_with_the_same_draws():
    values = np.random.default_rng(3).normal(size=17)
    rng = np.random.default_rng(11)
    means = sorted(float(np.mean([values[rng.integers(0, 17)] for _ in range(17)])) for _ in range(300))
    low, high = bootstrap_mean_interval(values=values, reps=300, seed=11)
    # the vectorised draw takes the same integers in the same order: one (reps, n) block
    assert low == pytest.approx(float(np.quantile(means, 0.025)), rel=1e-12)
    assert high == pytest.approx(float(np.quantile(means, 0.975)), rel=1e-12)
    assert low <= values.mean() <= high


def test_bootstrap_mean_interval_names_bad_input():
    with pytest.raises(ValueError, match="non-empty"):
        bootstrap_mean_interval(values=np.array([]), reps=10, seed=0)
    with pytest.raises(ValueError, match="reps"):
        bootstrap_mean_interval(values=np.ones(3), reps=0, seed=0)
