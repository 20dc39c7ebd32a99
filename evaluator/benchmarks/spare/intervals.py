"""Two-level percentile bootstrap of a split's mean over scenes of per-scene means over views."""

from __future__ import annotations

from collections.abc import Sequence

# The resampling is evaluator.intervals' (shared with the platform's paired differences); re-exported here.
from evaluator.intervals import BootstrapDraws, bootstrap_draws, bootstrap_means, two_level_interval

__all__ = ["BootstrapDraws", "bootstrap_draws", "bootstrap_means", "mean_interval"]

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


def mean_interval(
    *,
    per_scene: Sequence[Sequence[float | None]],
    draws: int = BOOTSTRAP_DRAWS,
    seed: int = BOOTSTRAP_SEED,
    level: float = BOOTSTRAP_LEVEL,
) -> tuple[float, float] | None:
    """The bootstrap interval of the mean over scenes (None values and empty scenes skipped); None if none."""
    return two_level_interval(per_scene=per_scene, draws=draws, seed=seed, level=level)
