"""Percentile bootstrap intervals of a mean, with a fixed generator so that published scores reproduce."""

from __future__ import annotations

import numpy as np


def bootstrap_mean_interval(*, values: np.ndarray, reps: int, seed: int) -> tuple[float, float]:
    """Percentile 95% interval of the mean of ``values``, resampled ``reps`` times with replacement
    from ``numpy.random.default_rng(seed)``; ValueError when there is nothing to resample."""
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or len(values) == 0:
        raise ValueError(f"need a non-empty 1-D array of values, got shape {values.shape}")
    if reps < 1:
        raise ValueError(f"reps must be >= 1, got {reps}")
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, len(values), size=(reps, len(values)))].mean(axis=1)
    return float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))
