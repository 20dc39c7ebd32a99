"""Bootstrap intervals of the rendering aggregates: a loop reference, coverage of the mean, narrowing."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest

from evaluator.benchmarks.spare.intervals import (
    BOOTSTRAP_DRAWS,
    BOOTSTRAP_SEED,
    bootstrap_draws,
    bootstrap_means,
    mean_interval,
)


def _loop_means(per_scene, scene_draws, view_draws):
    """Reference: the resampled statistic one draw, one scene and one view at a time."""
    means = []
    for draw in range(len(scene_draws)):
        scene_means = []
        for slot in range(len(per_scene)):
            values = per_scene[scene_draws[draw][slot]]
            picks = [values[view_draws[draw][slot][k]] for k in range(len(values))]
            scene_means.append(sum(picks) / len(picks))
        means.append(sum(scene_means) / len(scene_means))
    return means


def _loop_quantile(values, q):
    """Reference: the q-quantile with linear interpolation between the order statistics."""
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (position - below) * (ordered[above] - ordered[below])


def _scenes(rng, views):
    """Synthetic per-scene PSNRs: a scene offset plus per-view noise, `views` views per scene."""
    return [list(20 + 3 * rng.normal() + rng.normal(size=n)) for n in views]


def test_bootstrap_means_match_a_loop_implementation_on_the_same_draws():
    rng = np.random.default_rng(1)
    per_scene = _scenes(rng, [3, 7, 1, 5])
    draws = bootstrap_draws(counts=[len(s) for s in per_scene], draws=300, rng=np.random.default_rng(2))
    got = bootstrap_means(per_scene=[np.array(s) for s in per_scene], draws=draws)
    expected = _loop_means(per_scene, draws.scenes.tolist(), draws.views.tolist())
    assert got == pytest.approx(expected, rel=1e-12)


def test_bootstrap_draws_stay_within_each_drawn_scenes_views():
    counts = [2, 9, 4]
    draws = bootstrap_draws(counts=counts, draws=500, rng=np.random.default_rng(3))
    assert draws.scenes.shape == (500, 3) and draws.views.shape == (500, 3, 9)
    for draw, scenes in enumerate(draws.scenes):
        for slot, scene in enumerate(scenes):
            assert draws.views[draw, slot, : counts[scene]].max() < counts[scene]
    assert set(draws.scenes.ravel()) == {0, 1, 2}
    assert set(draws.views[draws.scenes == 1].ravel()) == set(range(9))


def test_mean_interval_matches_the_loop_reference_percentiles():
    rng = np.random.default_rng(4)
    per_scene = _scenes(rng, [4, 4, 6])
    draws = bootstrap_draws(
        counts=[4, 4, 6], draws=BOOTSTRAP_DRAWS, rng=np.random.default_rng(BOOTSTRAP_SEED)
    )
    means = _loop_means(per_scene, draws.scenes.tolist(), draws.views.tolist())
    expected = (_loop_quantile(means, 0.025), _loop_quantile(means, 0.975))
    assert mean_interval(per_scene=per_scene) == pytest.approx(expected, rel=1e-12)


def test_mean_interval_contains_the_mean_of_scene_means():
    rng = np.random.default_rng(5)
    for _ in range(20):
        per_scene = _scenes(rng, rng.integers(1, 12, size=rng.integers(1, 6)))
        mean = statistics.fmean(statistics.fmean(s) for s in per_scene)
        low, high = mean_interval(per_scene=per_scene)
        assert low <= mean <= high


def test_mean_interval_narrows_with_more_views():
    rng = np.random.default_rng(6)
    offsets = (19.9, 20.0, 20.1, 20.0)  # scenes alike: the views' spread dominates the interval
    widths = []
    for views in (2, 8, 32, 128):
        per_scene = [list(offset + 2 * rng.normal(size=views)) for offset in offsets]
        low, high = mean_interval(per_scene=per_scene)
        widths.append(high - low)
    assert widths == sorted(widths, reverse=True) and widths[-1] < widths[0] / 2


def test_mean_interval_is_reproducible_and_skips_missing_values():
    per_scene = [[10.0, None, 12.0], [None, None], [30.0, 31.0, 29.5, None]]
    first = mean_interval(per_scene=per_scene)
    assert first == mean_interval(per_scene=per_scene)
    assert first == mean_interval(per_scene=[[10.0, 12.0], [30.0, 31.0, 29.5]])
    assert mean_interval(per_scene=[[None], []]) is None


def test_mean_interval_of_one_view_is_that_value():
    assert mean_interval(per_scene=[[24.5]]) == (24.5, 24.5)


def test_bootstrap_draws_refuse_an_empty_scene():
    with pytest.raises(ValueError, match="one view per scene"):
        bootstrap_draws(counts=[3, 0], draws=10, rng=np.random.default_rng(0))
