"""Paired differences: is an entry better than another on the same test items, by more than resampling noise?

Each entry's own interval mostly measures how hard the split's scenes are, which every entry shares; the
paired bootstrap resamples the per-item differences instead (the same scenes and views for both entries,
drawn as evaluator.intervals draws them for a single entry), so shared difficulty cancels."""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from evaluator.intervals import two_level_interval

#: Resamples, generator seed and coverage: those of the per-entry intervals (spare's BOOTSTRAP_*).
PAIRED_DRAWS = 2000
PAIRED_SEED = 16
PAIRED_LEVEL = 0.95
#: Fewer paired items than this give no interval (one item would be a point: "separated" by construction).
PAIRED_MIN_ITEMS = 2
#: The items must reproduce each entry's published value within this (relative to max(1, |value|)): a
#: metric published over part of the items (one dataset's scenes) or as a flat mean gets no interval.
PUBLISHED_TOLERANCE = 1e-6
#: The rule in one sentence, for the leaderboard page and the API documentation.
PAIRED_RULE = (
    f"Δ to next: this row's value minus the next row's in the column the board is sorted by, with a paired"
    f" bootstrap {PAIRED_LEVEL:.0%} interval over the same scenes and views (each of {PAIRED_DRAWS} resamples"
    " draws the scenes, then the views within them, once for both entries); ✓ marks a pair whose interval"
    " excludes zero (separated)."
)


@dataclass(frozen=True)
class PairedDifference:
    """One entry's value minus another's on the same items, with its paired bootstrap interval."""

    metric: str
    other_submission_id: int
    difference: float
    low: float
    high: float
    groups: int
    items: int

    @property
    def separated(self) -> bool:
        """Whether the interval excludes zero: the order of the two entries is not resampling noise."""
        return self.low > 0.0 or self.high < 0.0


def item_values(*, items: Sequence[Mapping[str, Any]], metric: str) -> dict[tuple[str, str], float]:
    """(group, item) -> the item's finite value of `metric` (items without one are left out)."""
    values = {}
    for item in items or ():
        value = (item.get("values") or {}).get(metric)
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            values[(str(item.get("group", "")), str(item.get("item", "")))] = float(value)
    return values


def grouped(values: Mapping[tuple[str, str], float]) -> list[list[float]]:
    """The values per group, groups and items in name order."""
    groups: dict[str, list[float]] = {}
    for (group, _), value in sorted(values.items()):
        groups.setdefault(group, []).append(value)
    return list(groups.values())


def two_level_mean(values: Mapping[tuple[str, str], float]) -> float:
    """Mean over groups of the mean over their items (a split's published aggregate)."""
    return statistics.fmean(statistics.fmean(group) for group in grouped(values))


def reproduces(*, values: Mapping[tuple[str, str], float], published: float | None) -> bool:
    """Whether the items' two-level mean is the published value (within PUBLISHED_TOLERANCE)."""
    if published is None or not values:
        return False
    return abs(two_level_mean(values) - published) <= PUBLISHED_TOLERANCE * max(1.0, abs(published))


def paired_difference(
    *,
    items_a: Sequence[Mapping[str, Any]],
    items_b: Sequence[Mapping[str, Any]],
    metric: str,
    published_a: float | None,
    published_b: float | None,
    other_submission_id: int,
) -> PairedDifference | None:
    """A's value minus B's with the paired interval; None unless both entries have a value of `metric` on
    the same items (at least PAIRED_MIN_ITEMS) and those items reproduce both published values."""
    a = item_values(items=items_a, metric=metric)
    b = item_values(items=items_b, metric=metric)
    if a.keys() != b.keys() or len(a) < PAIRED_MIN_ITEMS:
        return None
    if not (reproduces(values=a, published=published_a) and reproduces(values=b, published=published_b)):
        return None
    differences = {key: a[key] - b[key] for key in a}
    per_group = grouped(differences)
    interval = two_level_interval(
        per_scene=per_group, draws=PAIRED_DRAWS, seed=PAIRED_SEED, level=PAIRED_LEVEL
    )
    if interval is None:
        return None
    return PairedDifference(
        metric=metric,
        other_submission_id=other_submission_id,
        difference=two_level_mean(differences),
        low=interval[0],
        high=interval[1],
        groups=len(per_group),
        items=len(differences),
    )
