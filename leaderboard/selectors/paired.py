"""Leaderboard reads with each row's paired difference to the next row (services.paired), cached per pair."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.cache import cache

from leaderboard.models import Phase, Score
from leaderboard.selectors.leaderboards import (
    MAX_LIMIT,
    OFFSET_MAX,
    LeaderboardPage,
    LeaderboardRow,
    leaderboard_rows,
)
from leaderboard.services.paired import (
    PAIRED_DRAWS,
    PAIRED_LEVEL,
    PAIRED_SEED,
    PairedDifference,
    paired_difference,
)

#: A pair's result never changes while both scores stay (a key names both scores, their data and values).
CACHE_TIMEOUT_S = 30 * 24 * 3600
_NONE = "none"


@dataclass(frozen=True)
class PairedPage:
    """A leaderboard page and, per row's submission id, its difference to the row after it (when known)."""

    page: LeaderboardPage
    differences: dict[int, PairedDifference]


def leaderboard_rows_paired(
    *,
    phase: Phase,
    split: str = "public",
    order_by: str | None = None,
    descending: bool | None = None,
    limit: int = 100,
    offset: int = 0,
    viewer=None,
) -> PairedPage:
    """leaderboard_rows, with each row's paired difference to the next row in the page's order (the row
    after the page is read with it) on the metric the page is sorted by."""
    wide = leaderboard_rows(
        phase=phase, split=split, order_by=order_by, descending=descending,
        limit=limit + 1 if limit >= 0 else limit, offset=offset, viewer=viewer,
    )
    shown = min(limit, MAX_LIMIT)
    rows = wide.rows[:shown]
    following = wide.rows[shown:]
    # The selector's ceiling left the next row out: read it alone (unless past the last offset there is).
    if shown == MAX_LIMIT and len(rows) == shown and offset + shown <= OFFSET_MAX:
        following = leaderboard_rows(
            phase=phase, split=split, order_by=wide.order_by, descending=wide.descending,
            limit=1, offset=offset + shown, viewer=viewer,
        ).rows
    page = dataclasses.replace(wide, rows=rows)
    differences = neighbour_differences(phase=phase, split=split, metric=wide.order_by, rows=rows + following)
    return PairedPage(page=page, differences=differences)


def neighbour_differences(
    *, phase: Phase, split: str, metric: str, rows: Sequence[LeaderboardRow]
) -> dict[int, PairedDifference]:
    """Submission id -> its row's paired difference to the following row, for the rows that have one."""
    pairs = [(a, b) for a, b in zip(rows, rows[1:], strict=False)
             if a.metrics.get(metric) is not None and b.metrics.get(metric) is not None]
    if not pairs:
        return {}
    scores = _latest_scores(phase=phase, split=split, ids=[row.submission_id for row in rows])
    keyed = {}
    for a, b in pairs:
        if a.submission_id in scores and b.submission_id in scores:
            key = _cache_key(metric=metric, a=a, b=b, scores=scores, data_id=phase.benchmark.data_id)
            keyed[key] = (a, b)
    cached = cache.get_many(list(keyed))
    missing = [key for key in keyed if key not in cached]
    if missing:
        wanted = {scores[row.submission_id][0] for key in missing for row in keyed[key]}
        items = dict(Score.objects.filter(id__in=wanted).values_list("id", "items"))
        fresh = {}
        for key in missing:
            a, b = keyed[key]
            found = paired_difference(
                items_a=items.get(scores[a.submission_id][0]) or [],
                items_b=items.get(scores[b.submission_id][0]) or [],
                metric=metric,
                published_a=a.metrics.get(metric),
                published_b=b.metrics.get(metric),
                other_submission_id=b.submission_id,
            )
            fresh[key] = dataclasses.asdict(found) if found else _NONE
        cache.set_many(fresh, timeout=CACHE_TIMEOUT_S)
        cached.update(fresh)
    return {
        keyed[key][0].submission_id: PairedDifference(**value)
        for key, value in cached.items()
        if value != _NONE
    }


def _latest_scores(*, phase: Phase, split: str, ids: list[int]) -> dict[int, tuple[int, str]]:
    """Submission id -> (score id, creation time) of the score its entry shows (the latest on the data in
    service, as the board's writers pick it)."""
    scores = (
        Score.objects.filter(submission_id__in=ids, split=split, data_id=phase.benchmark.data_id)
        .order_by("created_at", "id")
        .values_list("submission_id", "id", "created_at")
    )
    return {sid: (score_id, created.isoformat()) for sid, score_id, created in scores}


def _cache_key(
    *, metric: str, a: LeaderboardRow, b: LeaderboardRow, scores: dict, data_id: str
) -> str:
    """The cache key of one pair: the rule's parameters, both scores, the data and both published values."""
    parts = (
        "paired-v1", metric, str(PAIRED_DRAWS), str(PAIRED_SEED), repr(PAIRED_LEVEL), data_id,
        *(f"{row.submission_id}:{scores[row.submission_id]}:{row.metrics.get(metric)!r}" for row in (a, b)),
    )
    return "paired:" + hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
