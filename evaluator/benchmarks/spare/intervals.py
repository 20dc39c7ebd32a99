"""Two-level percentile bootstrap of a split's mean over scenes of per-scene means over views."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

#: Resamples per interval; with 2,000 the interval ends move by well under their width between seeds.
BOOTSTRAP_DRAWS = 2000
#: The generator's seed: every interval is drawn afresh from it, so scores are reproducible bit for bit.
BOOTSTRAP_SEED = 16
#: Coverage of the published interval (percentile bootstrap, 2.5% and 97.5% quantiles).
BOOTSTRAP_LEVEL = 0.95
#: How a published interval was computed, for the metric descriptions.
BOOTSTRAP_SENTENCE = (
    f"Percentile bootstrap {BOOTSTRAP_LEVEL:.0%} interval of the split's mean, two-level: each of"
    f" {BOOTSTRAP_DRAWS} resamples draws the split's scenes with replacement and, within each drawn scene,"
    " its test views with replacement, then takes the mean over the drawn scenes of their mean over the"
    f" drawn views; the interval's ends are the {(1 - BOOTSTRAP_LEVEL) / 2:.1%} and"
    f" {(1 + BOOTSTRAP_LEVEL) / 2:.1%} quantiles (linear interpolation) of the resampled means. Fixed"
    f" generator (numpy PCG64, seed {BOOTSTRAP_SEED}), so a submission's interval is reproducible."
)


@dataclass(frozen=True)
class BootstrapDraws:
    """One bootstrap's resampling: scenes drawn (draws x scenes), views drawn (draws x scenes x views)."""

    scenes: np.ndarray
    views: np.ndarray


def bootstrap_draws(*, counts: Sequence[int], draws: int, rng: np.random.Generator) -> BootstrapDraws:
    """Scenes drawn with replacement and, per drawn scene, view indices below its view count."""
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


def mean_interval(
    *,
    per_scene: Sequence[Sequence[float | None]],
    draws: int = BOOTSTRAP_DRAWS,
    seed: int = BOOTSTRAP_SEED,
    level: float = BOOTSTRAP_LEVEL,
) -> tuple[float, float] | None:
    """The bootstrap interval of the mean over scenes (None values and empty scenes skipped); None if none."""
    scenes = [np.array([float(v) for v in values if v is not None]) for values in per_scene]
    scenes = [values for values in scenes if len(values)]
    if not scenes:
        return None
    sample = _seeded_draws(counts=tuple(len(values) for values in scenes), draws=draws, seed=seed)
    means = bootstrap_means(per_scene=scenes, draws=sample)
    low, high = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


@lru_cache(maxsize=8)
def _seeded_draws(*, counts: tuple[int, ...], draws: int, seed: int) -> BootstrapDraws:
    """The draws of a fresh generator (the same for every metric of a split: computed once, read-only)."""
    sample = bootstrap_draws(counts=counts, draws=draws, rng=np.random.default_rng(seed))
    sample.scenes.flags.writeable = False
    sample.views.flags.writeable = False
    return sample
