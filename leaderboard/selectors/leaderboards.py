"""Leaderboard reads: a page in any metric's order as an index range of LeaderboardValue, and Pareto data."""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
from dataclasses import dataclass

from django.db.models import F, FloatField, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from leaderboard.models import LeaderboardBoard, LeaderboardEntry, LeaderboardValue, Phase, Score
from leaderboard.selectors.benchmarks import metric_specs
from leaderboard.selectors.duplicates import entry_duplicate_of
from leaderboard.services.errors import NotAllowed
from leaderboard.services.rankings import CHART_TOP, board_spec, place_key

MAX_LIMIT = 1000
#: The largest row offset of a page: beyond any leaderboard, and far inside a 64-bit SQL integer.
OFFSET_MAX = 10**9
#: From this offset on, a page may be read from the order's far end (see _page_ids).
REVERSE_FROM = 2000
_FIELDS = (
    "submission_id",
    "method_name",
    "submitter",
    "is_baseline",
    "is_reference",
    "metrics",
    "paper_url",
    "code_url",
    "submitted_at",
    "duplicate_of",
)


@dataclass(frozen=True)
class LeaderboardRow:
    """One row as displayed; metrics hold every benchmark metric (None = n/a).

    rank: None for a reference baseline (is_reference), which is listed in its place but never ranked:
    the ranks count the other rows only. duplicate_of: see selectors.duplicates.entry_duplicate_of."""

    rank: int | None
    submission_id: int
    method_name: str
    submitter: str
    is_baseline: bool
    metrics: dict[str, float | None]
    paper_url: str
    code_url: str
    submitted_at: dt.datetime
    is_reference: bool = False
    duplicate_of: int | None = None


@dataclass(frozen=True)
class LeaderboardPage:
    """A page of rows, the total count and the ordering applied."""

    rows: list[LeaderboardRow]
    total: int
    order_by: str
    descending: bool
    split: str


@dataclass(frozen=True)
class ParetoPoint:
    """One submission on the Pareto plot (a reference baseline is drawn as a reference marker)."""

    submission_id: int
    method_name: str
    submitter: str
    is_baseline: bool
    x: float
    y: float
    is_reference: bool = False


@dataclass(frozen=True)
class ParetoData:
    """The points to draw and the non-dominated frontier (each axis in its own direction).

    points: the frontier, the baselines and the entries ranked within `top` (a bounded sample);
    total: how many entries have both axis values: the frontier is computed over all of them."""

    x_metric: str
    y_metric: str
    points: list[ParetoPoint]
    frontier: list[ParetoPoint]
    x_higher_is_better: bool = True
    y_higher_is_better: bool = True
    total: int = 0
    top: int = CHART_TOP


def leaderboard_visible_splits(*, phase: Phase) -> list[str]:
    """Splits anyone may read: public, plus private once the phase closed and the host allows it."""
    return [Score.Split.PUBLIC, Score.Split.PRIVATE] if phase.private_visible() else [Score.Split.PUBLIC]


def _check_split(phase: Phase, split: str, viewer) -> None:
    if split not in Score.Split.values:
        raise ValueError(f"unknown split {split!r}; use public or private")
    if split == Score.Split.PRIVATE and not phase.private_visible():
        if viewer is None or not getattr(viewer, "is_staff", False):
            raise NotAllowed("the private leaderboard of this phase is not public yet")


def _key(name: str):
    return Cast(KT(f"metrics__{name}"), FloatField())


_TIE_BREAKS = ("rank_na", "rank_key", "submitted_at", "submission_id")


def _order(*, descending: bool, reverse: bool = False) -> list:
    """The order of one metric's value rows: n/a last, ties in the ranking order, then by time
    (`reverse`: the same order read from its end, a backward scan of the same index)."""
    value = F("value").desc() if descending != reverse else F("value").asc()
    if not reverse:
        return ["na", value, *_TIE_BREAKS]
    return [F("na").desc(), value, *(F(name).desc() for name in _TIE_BREAKS)]


def _values(*, phase: Phase, split: str, metric: str, descending: bool, reverse: bool = False):
    """The board's value rows of `metric`, ordered (an index range scan)."""
    rows = LeaderboardValue.objects.filter(phase=phase, split=split, metric=metric)
    return rows.order_by(*_order(descending=descending, reverse=reverse))


def _page_ids(*, phase: Phase, split: str, metric: str, descending: bool, start: int, stop: int):
    """Submission ids at places start..stop-1 (0-based) of the order, as a subquery.

    OFFSET walks the index from one end, so a page in the board's second half is read from the far end:
    the cost is the distance to the nearer end (one more query, the board's count, past REVERSE_FROM)."""
    if start >= REVERSE_FROM:
        total = _board_total(phase=phase, split=split)
        if total - start < start:
            rows = _values(phase=phase, split=split, metric=metric, descending=descending, reverse=True)
            return rows.values("submission_id")[max(0, total - stop) : max(0, total - start)]
    rows = _values(phase=phase, split=split, metric=metric, descending=descending)
    return rows.values("submission_id")[start:stop]


def _sort_key(*, metrics: dict, metric: str, descending: bool, place: tuple) -> tuple:
    """The Python twin of _order for the rows of one page (read back by submission id)."""
    value = metrics.get(metric)
    if value is None:
        return (True, 0.0, *place)
    return (False, -value if descending else value, *place)


def _first_rank(
    *, phase: Phase, split: str, metric: str, descending: bool, value: float, references: list[dict]
) -> int:
    """Competition rank of `value`: 1 + the ranked entries strictly better (one index range count, less
    the reference entries strictly better)."""
    better = {"value__gt" if descending else "value__lt": value}
    # na__in, not na=: Django writes a boolean equality as `NOT "na"`, which SQLite cannot match to an index.
    rows = LeaderboardValue.objects.filter(phase=phase, split=split, metric=metric, na__in=[False], **better)
    skipped = 0
    for reference in references:
        other = reference["metrics"].get(metric)
        if other is not None and (other > value if descending else other < value):
            skipped += 1
    return 1 + rows.count() - skipped


def _references(*, phase: Phase, split: str, spec) -> list[dict]:
    """The split's reference entries (a handful) with their place keys: ranks skip them."""
    if not spec.references:
        return []
    entries = LeaderboardEntry.objects.filter(phase=phase, split=split, is_reference__in=[True])
    return [
        {
            "metrics": metrics or {},
            "place": place_key(ranking_value=ranking, submitted_at=when, submission_id=sid, spec=spec),
        }
        for sid, metrics, ranking, when in entries.values_list(
            "submission_id", "metrics", "ranking_value", "submitted_at"
        )
    ]


def leaderboard_rows(
    *,
    phase: Phase,
    split: str = "public",
    order_by: str | None = None,
    descending: bool | None = None,
    limit: int = 100,
    offset: int = 0,
    viewer=None,
) -> LeaderboardPage:
    """A page of the leaderboard in two queries (board counters + page), whatever its size.

    order_by: any metric name (default the ranking metric); descending defaults to the metric's direction;
    n/a values come last; ties in the ranking order, then by submission time. The ranking order gives
    competition ranks (1, 2, 2, 4; a third query only when a tie straddles the page's start), any other
    order the row's place. The private split needs phase.private_visible() or a staff `viewer`."""
    _check_split(phase, split, viewer)
    metrics = {m.name: m for m in metric_specs(benchmark=phase.benchmark)}
    spec = board_spec(benchmark=phase.benchmark)
    ranking = phase.benchmark.ranking_metric
    order_by = order_by or ranking
    if order_by not in metrics:
        raise ValueError(f"unknown metric {order_by!r}; known: {sorted(metrics)}")
    if descending is None:
        descending = metrics[order_by].higher_is_better
    if limit < 0 or offset < 0 or offset > OFFSET_MAX:
        raise ValueError(f"limit={limit} and offset={offset}: both non-negative, offset at most {OFFSET_MAX}")
    limit = min(limit, MAX_LIMIT)
    default = order_by == ranking and descending == metrics[ranking].higher_is_better
    # The ranking order also reads the row before the page: a tie with it carries its rank over.
    start = offset - 1 if default and offset > 0 else offset
    page_ids = _page_ids(
        phase=phase, split=split, metric=order_by, descending=descending, start=start, stop=offset + limit
    )
    entries = LeaderboardEntry.objects.filter(phase=phase, split=split)
    total = Subquery(LeaderboardBoard.objects.filter(phase=phase, split=split).values("total")[:1])
    fetched = (
        list(
            entries.filter(submission_id__in=page_ids)
            .order_by()  # sorted below
            .annotate(board_total=total, duplicate_of=entry_duplicate_of(phase_id=phase.pk, split=split))
            .values_list(*_FIELDS, "ranking_value", "board_total")
        )
        if limit
        else []
    )
    keyed = []
    for values in fetched:
        fields = dict(zip((*_FIELDS, "ranking_value", "board_total"), values, strict=True))
        place = place_key(
            ranking_value=fields.pop("ranking_value"),
            submitted_at=fields["submitted_at"],
            submission_id=fields["submission_id"],
            spec=spec,
        )
        stored = fields["metrics"] or {}
        keyed.append((_sort_key(metrics=stored, metric=order_by, descending=descending, place=place), fields))
    keyed.sort(key=lambda item: item[0])
    board_total = keyed[0][1]["board_total"] if keyed else _board_total(phase=phase, split=split)
    references = _references(phase=phase, split=split, spec=spec)
    before = sorted(
        _sort_key(metrics=r["metrics"], metric=order_by, descending=descending, place=r["place"])
        for r in references
    )
    rows, previous = _ranked(
        keyed=keyed,
        start=start,
        offset=offset,
        default=default,
        ranking=ranking,
        metrics=metrics,
        before=before,
    )
    first_ranked = next((row for row in rows if not row.is_reference), None)
    value = first_ranked.metrics.get(ranking) if first_ranked else None
    # The page's first ranked row may tie with a ranked row before the page (maybe behind a reference).
    carried = previous is _REF or (previous is not None and previous == value)
    if default and value is not None and carried:
        first = _first_rank(
            phase=phase,
            split=split,
            metric=ranking,
            descending=descending,
            value=value,
            references=references,
        )
        rows = _carry_rank(rows=rows, rank=first, ranking=ranking)
    return LeaderboardPage(
        rows=rows, total=board_total or 0, order_by=order_by, descending=descending, split=split
    )


def _board_total(*, phase: Phase, split: str) -> int:
    """The board's entry count when the page is empty."""
    board = LeaderboardBoard.objects.filter(phase=phase, split=split).values_list("total", flat=True)
    return board.first() or 0


#: Stands for "the row before the page is a reference" (the ranked row before it is not known).
_REF = object()


def _ranked(
    *, keyed, start: int, offset: int, default: bool, ranking: str, metrics: dict, before: list[tuple]
):
    """The page's LeaderboardRows with ranks (references: None, and not counted), and the ranking value of
    the row read before the page (_REF when it is a reference). `before`: the references' sort keys."""
    rows, previous, rank, read = [], object(), 0, None
    for place, (key, fields) in enumerate(keyed, start=start + 1):
        fields = dict(fields)
        fields.pop("board_total")
        stored = fields.pop("metrics") or {}
        value = stored.get(ranking)
        if fields["is_reference"]:
            if place <= offset:
                read = _REF
                continue
            rows.append(LeaderboardRow(rank=None, metrics={n: stored.get(n) for n in metrics}, **fields))
            continue
        ranked_place = place - bisect.bisect_left(before, key)  # references before it take no place
        if not default or value != previous or value is None:
            rank = ranked_place
        previous = value
        if place <= offset:  # the row before the page
            read = value
            continue
        rows.append(LeaderboardRow(rank=rank, metrics={n: stored.get(n) for n in metrics}, **fields))
    return rows, read


def _carry_rank(*, rows: list[LeaderboardRow], rank: int, ranking: str) -> list[LeaderboardRow]:
    """The page's rows with the leading tie (continued from the previous page) given its true rank."""
    first = next(row for row in rows if not row.is_reference).metrics.get(ranking)
    out = []
    for row in rows:
        if row.is_reference or row.metrics.get(ranking) != first:
            out.append(row)
            continue
        out.append(dataclasses.replace(row, rank=rank))
    return out


def leaderboard_leaders(*, phase: Phase, split: str = "public", limit: int = 5) -> list[LeaderboardRow]:
    """The `limit` best ranked rows in the ranking order: reference baselines are never leaders."""
    spec = board_spec(benchmark=phase.benchmark)
    extra = len(_references(phase=phase, split=split, spec=spec))
    page = leaderboard_rows(phase=phase, split=split, limit=limit + extra)
    return [row for row in page.rows if not row.is_reference][:limit]


def pareto_points(*, phase: Phase, split: str = "public", viewer=None) -> ParetoData:
    """The chart sample (frontier, baselines, the CHART_TOP best) and the plottable count: one query."""
    _check_split(phase, split, viewer)
    benchmark = phase.benchmark
    spec = board_spec(benchmark=benchmark)
    metrics = {m.name: m for m in metric_specs(benchmark=benchmark)}
    x_name, y_name = benchmark.pareto_x, benchmark.pareto_y
    x_up = metrics[x_name].higher_is_better if x_name in metrics else True
    y_up = metrics[y_name].higher_is_better if y_name in metrics else True
    top = _values(phase=phase, split=split, metric=spec.ranking, descending=spec.higher(spec.ranking))
    # Not correlated: evaluated once (an InitPlan), not once per row.
    plottable = LeaderboardBoard.objects.filter(phase=phase, split=split)
    base = (
        LeaderboardEntry.objects.filter(phase=phase, split=split, plottable__in=[True])
        .annotate(
            px=_key(x_name), py=_key(y_name), board_plottable=Subquery(plottable.values("plottable")[:1])
        )
        .order_by()
        .values_list(
            "submission_id",
            "method_name",
            "submitter",
            "is_baseline",
            "is_reference",
            "px",
            "py",
            "on_frontier",
            "board_plottable",
            "ranking_value",
            "submitted_at",
        )
    )
    # Two index reads in one statement: the pinned entries, and the top of the ranking order.
    pinned = base.filter(pinned__in=[True])
    best = base.filter(submission_id__in=top.values("submission_id")[:CHART_TOP])
    x_sign, y_sign = (-1.0 if x_up else 1.0), (-1.0 if y_up else 1.0)
    keyed, total = [], 0
    seen = set()
    # UNION ALL, not UNION: no sort or hash of wide rows in SQL; an entry in both parts is skipped here.
    for sid, name, who, is_base, is_ref, x, y, on_frontier, count, ranking, when in pinned.union(
        best, all=True
    ):
        if sid in seen:
            continue
        seen.add(sid)
        point = ParetoPoint(sid, name, who, is_base, float(x), float(y), is_reference=is_ref)
        place = place_key(ranking_value=ranking, submitted_at=when, submission_id=sid, spec=spec)
        keyed.append((x_sign * point.x, y_sign * point.y, place, on_frontier, point))
        total = count or 0
    keyed.sort(key=lambda item: item[:3])  # best x first, then best y, then rank: the frontier's order
    points = [item[4] for item in keyed]
    frontier = [item[4] for item in keyed if item[3]]
    return ParetoData(
        x_metric=x_name,
        y_metric=y_name,
        points=points,
        frontier=frontier,
        x_higher_is_better=x_up,
        y_higher_is_better=y_up,
        total=total,
        top=CHART_TOP,
    )
