"""Percentile bootstrap intervals of a mean (flat, or two-level over groups of items), with a fixed generator
so that published scores reproduce."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

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


@dataclass(frozen=True)
class BootstrapDraws:
    """One bootstrap's resampling: groups drawn (draws x groups), items drawn (draws x groups x items)."""

    scenes: np.ndarray
    views: np.ndarray


def bootstrap_draws(*, counts: Sequence[int], draws: int, rng: np.random.Generator) -> BootstrapDraws:
    """Groups (scenes) drawn with replacement and, per drawn group, item (view) indices below its count."""
    sizes = np.asarray(counts, dtype=np.int64)
    if sizes.ndim != 1 or not len(sizes) or (sizes < 1).any():
        raise ValueError(f"bootstrap needs one scene or more and one view per scene, got {list(counts)}")
    scenes = rng.integers(0, len(sizes), size=(draws, len(sizes)))
    high = sizes[scenes][:, :, None]
    views = rng.integers(0, high, size=(draws, len(sizes), int(sizes.max())))
    return BootstrapDraws(scenes=scenes, views=views)


def bootstrap_means(*, per_scene: Sequence[np.ndarray], draws: BootstrapDraws) -> np.ndarray:
    """The statistic of every resample: mean over drawn scenes of the mean over their drawn views."""
    sizes = np.array([len(values) for values in per_scene], dtype=np.int64)
    padded = np.zeros((len(per_scene), int(sizes.max())))
    for row, values in enumerate(per_scene):
        padded[row, : len(values)] = values
    picked = padded[draws.scenes[:, :, None], draws.views]
    drawn_sizes = sizes[draws.scenes]
    used = np.arange(padded.shape[1])[None, None, :] < drawn_sizes[:, :, None]
    scene_means = np.where(used, picked, 0.0).sum(axis=2) / drawn_sizes
    return scene_means.mean(axis=1)


def two_level_interval(
    *, per_scene: Sequence[Sequence[float | None]], draws: int, seed: int, level: float
) -> tuple[float, float] | None:
    """The two-level bootstrap interval of the mean over scenes of per-scene means (None values and empty
    scenes skipped); None if no value. The draws come from ``numpy.random.default_rng(seed)``."""
    scenes = [np.array([float(v) for v in values if v is not None]) for values in per_scene]
    scenes = [values for values in scenes if len(values)]
    if not scenes:
        return None
    sample = seeded_draws(counts=tuple(len(values) for values in scenes), draws=draws, seed=seed)
    means = bootstrap_means(per_scene=scenes, draws=sample)
    low, high = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


@lru_cache(maxsize=8)
def seeded_draws(*, counts: tuple[int, ...], draws: int, seed: int) -> BootstrapDraws:
    """The draws of a fresh generator (the same for every metric of a split: computed once, read-only)."""
    sample = bootstrap_draws(counts=counts, draws=draws, rng=np.random.default_rng(seed))
    sample.scenes.flags.writeable = False
    sample.views.flags.writeable = False
    return sample
