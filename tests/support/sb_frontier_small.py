"""The frontier benchmark on one 1,024-token sample per short task: the platform tests' entry."""

from __future__ import annotations

from sb_frontier import SHORT_TASKS

from evaluator.benchmarks.frontier.benchmark import FrontierBenchmark


class SmallFrontier(FrontierBenchmark):
    """FrontierBenchmark scored on one sample per task at 1,024 tokens (the tasks that fit: SHORT_TASKS)."""

    def __init__(self) -> None:
        super().__init__(samples=1, lengths=(1024,), tasks=SHORT_TASKS)
