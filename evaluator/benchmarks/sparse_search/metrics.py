"""Metrics: convergence epoch, percentile within a distribution, diff vs random and its interval."""

from __future__ import annotations

import numpy as np


def convergence_epoch(*, curve: np.ndarray, fraction: float = 0.95) -> int:
    """First epoch (1-based) whose validation accuracy reaches `fraction` of the final epoch's accuracy."""
    values = np.asarray(curve, dtype=np.float64)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"curve must be a non-empty 1-D array, got shape {values.shape}")
    if not np.all(np.isfinite(values)):
        raise ValueError("curve contains NaN or infinite values")
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction must lie in (0, 1], got {fraction}")
    reached = np.flatnonzero(values >= fraction * values[-1])
    return int(reached[0]) + 1


def percentile_within(*, value: float, distribution: np.ndarray) -> float:
    """Percentile of `value` in `distribution`: 100 * (count below + half the count equal) / size."""
    dist = np.asarray(distribution, dtype=np.float64)
    if dist.ndim != 1 or dist.size == 0:
        raise ValueError(f"distribution must be a non-empty 1-D array, got shape {dist.shape}")
    if not np.isfinite(value) or not np.all(np.isfinite(dist)):
        raise ValueError(f"value {value} or the distribution is not finite")
    below = np.count_nonzero(dist < value)
    equal = np.count_nonzero(dist == value)
    return float(100.0 * (below + 0.5 * equal) / dist.size)


def diff_vs_random(*, accuracy: np.ndarray, random_accuracy: np.ndarray) -> float:
    """Mean over levels of (submission's mean accuracy - random masks' mean accuracy), same seeds.

    accuracy: (levels, seeds); random_accuracy: (levels, masks, seeds).
    """
    acc, ref = _pair_check(accuracy=accuracy, random_accuracy=random_accuracy)
    return float(np.mean(acc.mean(axis=1) - ref.mean(axis=(1, 2))))


def diff_bootstrap_interval(
    *, accuracy: np.ndarray, random_accuracy: np.ndarray, reps: int, seed: int = 0, level: float = 0.95
) -> tuple[float, float]:
    """Percentile bootstrap interval of diff_vs_random, resampling seeds (paired) and random masks.

    Each replicate draws the seeds with replacement (the same draw for the submission and the
    reference, so both see the same training seeds) and, per level, the random masks with replacement;
    the interval is the ((1 - level) / 2, (1 + level) / 2) quantiles over `reps` replicates drawn with
    numpy default_rng(seed).
    """
    acc, ref = _pair_check(accuracy=accuracy, random_accuracy=random_accuracy)
    if reps < 1:
        raise ValueError(f"reps must be at least 1, got {reps}")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    rng = np.random.default_rng(seed)
    n_levels, n_masks, n_seeds = ref.shape
    seed_draw = rng.integers(0, n_seeds, size=(reps, n_seeds))
    diffs = np.zeros(reps)
    for lv in range(n_levels):
        mask_draw = rng.integers(0, n_masks, size=(reps, n_masks))
        sub_mean = acc[lv][seed_draw].mean(axis=1)
        ref_mean = ref[lv][mask_draw[:, :, None], seed_draw[:, None, :]].mean(axis=(1, 2))
        diffs += sub_mean - ref_mean
    diffs /= n_levels
    low, high = np.quantile(diffs, [(1.0 - level) / 2.0, (1.0 + level) / 2.0])
    return float(low), float(high)


def _pair_check(*, accuracy: np.ndarray, random_accuracy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Check shapes (levels, seeds) and (levels, masks, seeds) agree and values are finite."""
    acc = np.asarray(accuracy, dtype=np.float64)
    ref = np.asarray(random_accuracy, dtype=np.float64)
    if acc.ndim != 2 or ref.ndim != 3 or acc.shape[0] != ref.shape[0] or acc.shape[1] != ref.shape[2]:
        raise ValueError(
            f"accuracy {acc.shape} must be (levels, seeds) and random_accuracy {ref.shape} "
            "(levels, masks, seeds) with the same levels and seeds"
        )
    if 0 in acc.shape or 0 in ref.shape:
        raise ValueError(f"empty accuracy arrays {acc.shape} / {ref.shape}")
    if not (np.all(np.isfinite(acc)) and np.all(np.isfinite(ref))):
        raise ValueError("accuracies contain NaN or infinite values")
    return acc, ref
