"""Resolving the benchmark and phase named in a request, with 404 messages that say what was missing."""

from __future__ import annotations

from rest_framework.exceptions import NotFound

from leaderboard import selectors
from leaderboard.models import Benchmark, Phase


def benchmark_resolve(*, slug: str) -> Benchmark:
    """The visible benchmark `slug`, else 404 naming it."""
    try:
        return selectors.benchmark_get_visible(slug=slug)
    except Benchmark.DoesNotExist:
        raise NotFound(f"no benchmark {slug!r}") from None


def phases_visible(*, benchmark: Benchmark) -> list[Phase]:
    """The benchmark's visible phases in display order."""
    return selectors.phase_list_visible(benchmark=benchmark)


def phase_resolve(*, benchmark: Benchmark, slug: str | None) -> Phase:
    """The visible phase `slug` of the benchmark (its first visible phase when None), else 404."""
    if slug is None:
        phase = benchmark.phases.filter(is_visible=True).order_by("display_order", "slug").first()
        if phase is None:
            raise NotFound(f"benchmark {benchmark.slug!r} has no visible phase")
        phase.benchmark = benchmark
        return phase
    try:
        phase = selectors.phase_get_visible(benchmark=benchmark, slug=slug)
    except Phase.DoesNotExist:
        raise NotFound(f"no phase {slug!r} in benchmark {benchmark.slug!r}") from None
    phase.benchmark = benchmark
    return phase
