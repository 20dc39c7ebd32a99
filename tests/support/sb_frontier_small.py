"""The frontier benchmark on one 1,024-token sample per short task: the platform tests' entry."""

from __future__ import annotations

from pathlib import Path

from sb_frontier import SHORT_TASKS
from sb_seeds import seeds_for

from evaluator.benchmarks.frontier.benchmark import FrontierBenchmark


class SmallFrontier(FrontierBenchmark):
    """FrontierBenchmark scored on one sample per task at 1,024 tokens (the tasks that fit: SHORT_TASKS)."""

    def __init__(self) -> None:
        super().__init__(samples=1, lengths=(1024,), tasks=SHORT_TASKS)


def short_built(out: Path, *, length: int) -> tuple[FrontierBenchmark, Path]:
    """A benchmark of one sample per short task at `length` tokens, with its data built into `out`."""
    bench = FrontierBenchmark(samples=1, lengths=(length,), tasks=SHORT_TASKS)
    bench.build(out, seeds=seeds_for())
    return bench, out
