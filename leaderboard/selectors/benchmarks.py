"""Benchmark, phase and metric reads for the API and the portal."""

from __future__ import annotations

from evaluator.contract import MetricSpec
from leaderboard.models import Benchmark, Phase
from leaderboard.selectors.errors import BenchmarkNotFound, PhaseNotFound
from leaderboard.specrows import metric_from_row, metric_is_entry


def benchmark_list_visible() -> list[Benchmark]:
    """Visible benchmarks in display order."""
    return list(Benchmark.objects.filter(is_visible=True).order_by("display_order", "slug"))


def benchmark_get_visible(*, slug: str) -> Benchmark:
    """The visible benchmark `slug`; BenchmarkNotFound (a DoesNotExist and an Http404) otherwise."""
    try:
        return Benchmark.objects.get(slug=slug, is_visible=True)
    except Benchmark.DoesNotExist:
        raise BenchmarkNotFound(f"no benchmark {slug!r}") from None


def phase_list_visible(*, benchmark: Benchmark) -> list[Phase]:
    """Visible phases of a benchmark in display order."""
    return list(benchmark.phases.filter(is_visible=True).select_related("benchmark"))


def phase_get_visible(*, benchmark: Benchmark, slug: str) -> Phase:
    """The visible phase `slug` of a visible benchmark; PhaseNotFound otherwise."""
    try:
        return Phase.objects.select_related("benchmark").get(
            benchmark=benchmark, slug=slug, is_visible=True, benchmark__is_visible=True
        )
    except Phase.DoesNotExist:
        raise PhaseNotFound(f"no phase {slug!r} in {benchmark.slug!r}") from None


def metric_specs(*, benchmark: Benchmark) -> list[MetricSpec]:
    """The benchmark's entry metrics (leaderboard columns) in display order."""
    return [metric_from_row(m) for m in benchmark.metrics or [] if metric_is_entry(m)]


def item_metric_specs(*, benchmark: Benchmark) -> list[MetricSpec]:
    """The metrics a per-item value may carry: the item-only metrics first, then the entry metrics."""
    items = [metric_from_row(m) for m in benchmark.metrics or [] if not metric_is_entry(m)]
    names = {m.name for m in items}
    return items + [m for m in metric_specs(benchmark=benchmark) if m.name not in names]
