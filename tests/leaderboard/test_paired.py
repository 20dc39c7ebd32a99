"""The paired difference of two entries on the same items: a loop reference, overlap vs separation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from evaluator.benchmarks.spare.intervals import mean_interval
from evaluator.intervals import bootstrap_draws
from leaderboard.services.paired import (
    PAIRED_DRAWS,
    PAIRED_LEVEL,
    PAIRED_SEED,
    PairedDifference,
    paired_difference,
    two_level_mean,
)

VIEWS = (10, 10, 8, 10, 9, 10)  # unequal view counts: the padding of the resampling is exercised


def _items(per_scene: list[list[float]], metric: str = "psnr_m") -> list[dict]:
    """Stored per-item rows (group s<k>, item s<k>/v<j>, zero-padded so that name order is index order)."""
    return [
        {"item": f"s{k}/v{j:02d}", "group": f"s{k}", "values": {metric: value, "other": 1.0}}
        for k, values in enumerate(per_scene)
        for j, value in enumerate(values)
    ]


def _published(per_scene: list[list[float]]) -> float:
    """The split's aggregate as spare publishes it: mean over scenes of the mean over views."""
    return sum(sum(values) / len(values) for values in per_scene) / len(per_scene)


def _loop_quantile(values, q):
    """Reference: the q-quantile with linear interpolation between the order statistics."""
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (position - below) * (ordered[above] - ordered[below])


def _reference(a: list[list[float]], b: list[list[float]]) -> tuple[float, float, float]:
    """Independent reference: each resample's mean of A minus its mean of B (the same scenes and views for
    both, drawn as the per-entry interval draws them), one draw, scene and view at a time."""
    draws = bootstrap_draws(
        counts=[len(s) for s in a], draws=PAIRED_DRAWS, rng=np.random.default_rng(PAIRED_SEED)
    )
    stats = []
    for draw in range(PAIRED_DRAWS):
        means = []
        for entry in (a, b):
            scene_means = []
            for slot in range(len(entry)):
                values = entry[draws.scenes[draw][slot]]
                picks = [values[draws.views[draw][slot][k]] for k in range(len(values))]
                scene_means.append(sum(picks) / len(picks))
            means.append(sum(scene_means) / len(scene_means))
        stats.append(means[0] - means[1])
    low = _loop_quantile(stats, (1 - PAIRED_LEVEL) / 2)
    high = _loop_quantile(stats, (1 + PAIRED_LEVEL) / 2)
    return _published(a) - _published(b), low, high


def _entries(*, shift: float, noise: float, seed: int) -> tuple[list[list[float]], list[list[float]]]:
    """A: scenes of very unequal difficulty (+-4 dB) with view noise; B: A's views moved by `shift` plus
    independent per-view noise of size `noise`."""
    rng = np.random.default_rng(seed)
    a = [list(20 + 4 * rng.normal() + rng.normal(size=n)) for n in VIEWS]
    b = [[v + shift + noise * rng.normal() for v in scene] for scene in a]
    return a, b


def _difference(a, b, **kwargs) -> PairedDifference | None:
    return paired_difference(
        items_a=_items(a), items_b=_items(b), metric="psnr_m", published_a=_published(a),
        published_b=_published(b), other_submission_id=7, **kwargs,
    )


def test_paired_difference_matches_the_loop_reference():
    a, b = _entries(shift=-0.3, noise=0.2, seed=1)
    found = _difference(a, b)
    expected = _reference(a, b)
    assert (found.difference, found.low, found.high) == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert (found.metric, found.other_submission_id, found.groups, found.items) == ("psnr_m", 7, 6, 57)


def test_overlapping_entry_intervals_can_be_separated_by_the_paired_interval():
    a, b = _entries(shift=-0.3, noise=0.2, seed=1)
    a_low, a_high = mean_interval(per_scene=a)
    b_low, b_high = mean_interval(per_scene=b)
    assert a_low < b_high and b_low < a_high, "the per-entry intervals must overlap in this case"
    found = _difference(a, b)
    assert found.separated and 0.0 < found.low < found.difference < found.high
    assert found.difference == pytest.approx(0.3, abs=0.1)
    assert found.high - found.low < 0.2 * min(a_high - a_low, b_high - b_low)


def test_pure_noise_difference_is_not_separated():
    a, b = _entries(shift=0.0, noise=0.5, seed=2)
    found = _difference(a, b)
    assert not found.separated
    assert found.low < -0.05 and found.high > 0.05, (found.low, found.high)
    assert abs(found.difference) < 0.2


def test_a_negative_difference_is_separated_when_its_interval_is_below_zero():
    a, b = _entries(shift=0.3, noise=0.1, seed=3)
    found = _difference(a, b)
    assert found.high < 0.0 and found.separated
    assert found.difference == pytest.approx(-0.3, abs=0.1)
    assert found.difference == pytest.approx(two_level_mean({("s0", "v"): _published(a) - _published(b)}))


def test_no_paired_difference_without_the_same_items():
    a, b = _entries(shift=-0.3, noise=0.2, seed=1)
    fewer = [scene[:-1] for scene in b]
    assert _difference(a, fewer) is None
    missing = _items(b)
    missing[0]["values"]["psnr_m"] = None
    assert paired_difference(
        items_a=_items(a), items_b=missing, metric="psnr_m", published_a=_published(a),
        published_b=_published(b), other_submission_id=7,
    ) is None


def test_no_paired_difference_from_one_item_or_without_the_metric():
    one_a, one_b = [[21.0]], [[20.0]]
    assert _difference(one_a, one_b) is None
    a, b = _entries(shift=-0.3, noise=0.2, seed=1)
    assert paired_difference(
        items_a=_items(a), items_b=_items(b), metric="lpips_m", published_a=0.1, published_b=0.2,
        other_submission_id=7,
    ) is None


def test_no_paired_difference_when_the_items_do_not_reproduce_the_published_value():
    a, b = _entries(shift=-0.3, noise=0.2, seed=1)
    flat = sum(v for scene in a for v in scene) / sum(VIEWS)  # a flat mean over views: another aggregate
    assert abs(flat - _published(a)) > 1e-3
    assert paired_difference(
        items_a=_items(a), items_b=_items(b), metric="psnr_m", published_a=flat,
        published_b=_published(b), other_submission_id=7,
    ) is None
    assert paired_difference(
        items_a=_items(a), items_b=_items(b), metric="psnr_m", published_a=None,
        published_b=_published(b), other_submission_id=7,
    ) is None
