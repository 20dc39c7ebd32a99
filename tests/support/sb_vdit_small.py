"""The vdit benchmark on one-frame videos, one seed, one timed round: the platform tests' entry."""

from __future__ import annotations

from evaluator.benchmarks.vdit import VditBenchmark


class SmallVdit(VditBenchmark):
    """VditBenchmark scored on 1,152-token calls (1 frame + text), one seed, one timed round."""

    def __init__(self) -> None:
        super().__init__(frames=(1,), seed_count=1, repeats=1)
