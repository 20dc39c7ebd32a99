"""Pages of the benchmarks: the home page with the leading entries and the benchmark/leaderboard page."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from typing import Any
from urllib.parse import urlencode

from django.core.validators import slug_re
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse

from leaderboard import selectors
from leaderboard.entry_urls import entry_path_template
from leaderboard.models import Benchmark, Phase
from leaderboard.services.paired import PAIRED_RULE
from leaderboard.views.curves import curve_charts_data, metric_axis
from leaderboard.views.display import (
    interval_columns_fold,
    interval_pairs,
    metric_cells,
    sort_direction_parse,
    sort_headers,
)
from leaderboard.views.fragments import rows_fragment_key
from leaderboard.views.paired_cells import DeltaCell, delta_cells, delta_column_index

HOME_TOP = 3
PAGE_SIZE = 100
POINT_FIELDS = tuple(field.name for field in fields(selectors.ParetoPoint))


def phases_visible(*, benchmark: Benchmark) -> list[Phase]:
    """The benchmark's visible phases in display order."""
    return selectors.phase_list_visible(benchmark=benchmark)


def benchmark_data_url(*, benchmark: Benchmark, phase: Phase) -> str:
    """The API address of the phase's public data bundle (served by the REST API)."""
    return reverse("api:phase-data", args=[benchmark.slug]) + "?" + urlencode({"phase": phase.slug})


def leaderboard_csv_url(*, benchmark: Benchmark, phase: Phase, page: Any) -> str:
    """The API address of the leaderboard CSV export in the page's split and ordering."""
    query = {
        "phase": phase.slug,
        "split": page.split,
        "order_by": page.order_by,
        "descending": "true" if page.descending else "false",
        "format": "csv",
    }
    return reverse("api:leaderboard", args=[benchmark.slug]) + "?" + urlencode(query)


def page_number_parse(*, raw: str | None, page_size: int) -> int:
    """The 1-based `page` parameter; not a positive integer: page 1; past the offset ceiling: ValueError."""
    last = selectors.OFFSET_MAX // page_size + 1
    raw = (raw or "").strip()
    if raw.isascii() and raw.isdigit() and len(raw) > len(str(last)):  # before int(): 5,000 digits raise
        raise ValueError(f"page must be a whole number from 1 to {last}")
    try:
        number = max(1, int(raw or 1))
    except ValueError:
        return 1
    if number > last:
        raise ValueError(f"page must be a whole number from 1 to {last}")
    return number


def home(request: HttpRequest) -> HttpResponse:
    """Every visible benchmark with the top entries of its first phase."""
    cards = []
    for benchmark in selectors.benchmark_list_visible():
        metrics = selectors.metric_specs(benchmark=benchmark)
        ranking = [m for m in metrics if m.name == benchmark.ranking_metric]
        phases = phases_visible(benchmark=benchmark)
        phase = phases[0] if phases else None
        rows = []
        if phase is not None:
            leaders = selectors.leaderboard_leaders(phase=phase, limit=HOME_TOP)
            intervals = interval_pairs(metrics=metrics)
            rows = [
                {"row": row, "cells": metric_cells(metrics=ranking, values=row.metrics, intervals=intervals)}
                for row in leaders
            ]
        cards.append(
            {"benchmark": benchmark, "phase": phase, "ranking": ranking[0] if ranking else None, "rows": rows}
        )
    return render(request, "home.html", {"cards": cards})


def benchmark_phase_choose(*, benchmark: Benchmark, phases: list[Phase], slug: str | None) -> Phase:
    """The phase named in the query (404 when unknown, hidden or not a slug), else the first visible one."""
    if slug:
        if not slug_re.fullmatch(slug) or len(slug) > Phase._meta.get_field("slug").max_length:
            raise Http404("no such phase")
        try:
            return selectors.phase_get_visible(benchmark=benchmark, slug=slug)
        except Phase.DoesNotExist:
            raise Http404(f"no phase {slug!r}") from None
    if not phases:
        raise Http404("this benchmark has no visible phase yet")
    return phases[0]


def pareto_chart_data(*, phase: Phase, split: str, metrics: list[Any]) -> dict[str, Any]:
    """The Pareto axes (with their metric definitions), the embedded points, the frontier and the counts."""
    data = selectors.pareto_points(phase=phase, split=split)
    by_name = {m.name: m for m in metrics}


    def plain(point: Any) -> dict[str, Any]:
        if not is_dataclass(point):
            return dict(point)
        # Field by field: dataclasses.asdict deep-copies every value and costs ~10 us a point.
        return {name: getattr(point, name) for name in POINT_FIELDS}

    return {
        "x": metric_axis(name=data.x_metric, by_name=by_name),
        "y": metric_axis(name=data.y_metric, by_name=by_name),
        "points": [plain(p) for p in data.points],
        "frontier": [plain(p) for p in data.frontier],
        "shown": len(data.points),
        "total": data.total,
        "top": data.top,
    }


def leaderboard_table_rows(
    *,
    rows: list[Any],
    metrics: list[Any],
    intervals: dict[str, tuple[str, str]] | None = None,
    deltas: list[DeltaCell] | None = None,
) -> list[dict[str, Any]]:
    """The page's rows with their metric cells (intervals beside their metric), their "Δ to next" cell
    (`deltas`, one per row, when the column is shown), entry page address and that of the entry it duplicates
    (if any), as templates/leaderboard/rows.html renders them."""
    entry_path = entry_path_template()
    return [
        {
            "row": row,
            "cells": metric_cells(metrics=metrics, values=row.metrics, intervals=intervals),
            "delta": deltas[index] if deltas else None,
            "url": entry_path.format(row.submission_id),
            "duplicate_url": "" if row.duplicate_of is None else entry_path.format(row.duplicate_of),
        }
        for index, row in enumerate(rows)
    ]


def description_split(*, text: str) -> tuple[str, str]:
    """A description's first paragraph (always shown) and the rest (shown collapsed); blank lines split."""
    intro, _, rest = text.strip().partition("\n\n")
    return intro, rest.strip()


def detail_columns_shown(*, raw: str | None, metrics: list[Any], order_by: str) -> bool:
    """Whether the leaderboard shows the detail columns: asked for (details=1), or sorted by one of them."""
    return raw == "1" or any(m.detail and m.name == order_by for m in metrics)


def benchmark_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """Description, metrics, phases, data link, the sortable leaderboard and the Pareto chart of a phase."""
    try:
        benchmark = selectors.benchmark_get_visible(slug=slug)
    except Benchmark.DoesNotExist:
        raise Http404(f"no benchmark {slug!r}") from None
    phases = phases_visible(benchmark=benchmark)
    phase = benchmark_phase_choose(benchmark=benchmark, phases=phases, slug=request.GET.get("phase"))
    metrics = selectors.metric_specs(benchmark=benchmark)
    splits = selectors.leaderboard_visible_splits(phase=phase)
    split = request.GET.get("split") or "public"
    if split not in splits:
        split = "public"
    metric_names = {m.name for m in metrics}
    order_by = request.GET.get("order_by")
    order_by = order_by if order_by in metric_names else None
    descending = sort_direction_parse(raw=request.GET.get("dir"))
    try:
        number = page_number_parse(raw=request.GET.get("page"), page_size=PAGE_SIZE)
    except ValueError as exc:
        return HttpResponseBadRequest(f"Bad request: {exc}.", content_type="text/plain; charset=utf-8")
    paired = selectors.leaderboard_rows_paired(
        phase=phase,
        split=split,
        order_by=order_by,
        descending=descending,
        limit=PAGE_SIZE,
        offset=(number - 1) * PAGE_SIZE,
    )
    page = paired.page
    folded = interval_columns_fold(metrics=metrics)
    intervals = interval_pairs(metrics=metrics)
    details = detail_columns_shown(raw=request.GET.get("details"), metrics=folded, order_by=page.order_by)
    columns = [m for m in folded if details or not m.detail]
    delta_at = delta_column_index(columns=columns, order_by=page.order_by, differences=paired.differences)
    deltas = (
        delta_cells(rows=page.rows, differences=paired.differences, metric=columns[delta_at])
        if delta_at is not None
        else []
    )
    base_query = {"phase": phase.slug, "split": split, **({"details": "1"} if details else {})}
    sorted_query = dict(base_query, order_by=page.order_by, dir="desc" if page.descending else "asc")
    toggle_query = {k: v for k, v in sorted_query.items() if k != "details"}
    pages = max(1, -(-page.total // PAGE_SIZE))
    intro, protocol_rest = description_split(text=benchmark.description)
    context = {
        "benchmark": benchmark,
        "intro": intro,
        "protocol_rest": protocol_rest,
        "metrics": metrics,
        "phases": phases,
        "phase": phase,
        "phase_open": phase.is_open(),
        "splits": splits,
        "split": split,
        "page": page,
        "page_number": number,
        "page_count": pages,
        "prev_url": "?" + urlencode(dict(sorted_query, page=number - 1)) if number > 1 else "",
        "next_url": "?" + urlencode(dict(sorted_query, page=number + 1)) if number < pages else "",
        "headers": sort_headers(
            metrics=columns, base_query=base_query, order_by=page.order_by, descending=page.descending
        ),
        "rows": leaderboard_table_rows(rows=page.rows, metrics=columns, intervals=intervals, deltas=deltas),
        "rows_key": rows_fragment_key(
            rows=page.rows,
            columns=columns,
            intervals=intervals,
            entry_path=entry_path_template(),
            deltas=(delta_at, *deltas),
        ),
        "delta_at": delta_at,
        "paired_rule": PAIRED_RULE,
        "has_intervals": any(m.name in intervals for m in columns),
        "detail_count": sum(1 for m in folded if m.detail),
        "details_shown": details,
        "details_url": "?" + urlencode(toggle_query if details else dict(toggle_query, details="1")),
        "data_url": benchmark_data_url(benchmark=benchmark, phase=phase),
        "csv_url": leaderboard_csv_url(benchmark=benchmark, phase=phase, page=page),
        "chart": pareto_chart_data(phase=phase, split=split, metrics=metrics),
        "curves": curve_charts_data(phase=phase, split=split, metrics=metrics),
        "ranking_rule": ranking_rule(benchmark=benchmark, metrics=metrics),
    }
    return render(request, "benchmark.html", context)


def ranking_rule(*, benchmark: Benchmark, metrics: list[Any]) -> str:
    """The benchmark's ranking rule in one sentence: metric, direction, and that references are unranked."""
    spec = next((m for m in metrics if m.name == benchmark.ranking_metric), None)
    label = spec.label if spec else benchmark.ranking_metric
    unit = f" ({spec.unit})" if spec and spec.unit else ""
    direction = "higher" if spec is None or spec.higher_is_better else "lower"
    sentence = f"Ranked by {label}{unit}, {direction} is better (ties share a rank)"
    if benchmark.reference_baselines:
        names = ", ".join(benchmark.reference_baselines)
        return sentence + (
            f"; the trivial references ({names}) are listed in their place, marked reference, without a rank,"
            " and are never the leader."
        )
    return sentence + "."
