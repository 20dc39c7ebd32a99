"""A made-up frontier phase run (scores, per-sample attention tallies, speed per length) for report tests."""

from __future__ import annotations

from evaluator.benchmarks.frontier.attention import AttentionTally
from evaluator.benchmarks.frontier.evaluate import CellResult, PhaseRun
from evaluator.benchmarks.frontier.sample import SampleScore
from evaluator.benchmarks.frontier.speed import SpeedFigures

TASKS = ("ruler_niah", "ruler_vt")
LENGTHS = (1024, 2048)
#: Dense and method attention time (ms) of the speed measurement at each length.
TIMES = {1024: (3.0, 1.5), 2048: (8.0, 2.0)}


def _tally(*, kind: str, length: int, task: int, index: int) -> AttentionTally:
    """One sample's calls: densities and errors that differ by task, sample and call."""
    tally = AttentionTally()
    for call in range(3 + index + task):
        if kind == "decode":  # a kept share of the visible cache per step
            tally.add(computed=0.2 + 0.1 * task + 0.01 * call, causal=1.0)
        else:
            causal = 4 * length * (length + 1) / 2 * (1.0 + 0.01 * call)
            share = 1.0 if kind == "dense" else 0.3 + 0.2 * task + 0.02 * index
            tiles = causal * 1.1  # the causal tiles hold a few more cells than the causal triangle
            tally.add(computed=min(1.0, share + 0.05) * tiles, causal=tiles, reference=share * causal,
                      reference_causal=causal)  # fmt: skip
        if kind != "dense":
            tally.add_error(0.05 + 0.1 * task + 0.01 * index + 0.001 * call)
    return tally


def synthetic_run(*, kind: str, samples: int = 2) -> PhaseRun:
    """Two tasks at two lengths, `samples` samples each, under a `kind` ("dense", "prefill", "decode")
    method; speed measured once per length (none for dense, as phase_run does)."""
    run = PhaseRun(kind=kind)
    for length in LENGTHS:
        dense_ms, method_ms = TIMES[length]
        run.speed[length] = None if kind == "dense" else SpeedFigures(
            speedup=dense_ms / method_ms, rel_l2=0.1, dense_ms=dense_ms, method_ms=method_ms)  # fmt: skip
        for t, task in enumerate(TASKS):
            scores = tuple(SampleScore(task=task, index=i, value=float((i + t) % 2), dropped=False)
                           for i in range(samples))  # fmt: skip
            tallies = tuple(_tally(kind=kind, length=length, task=t, index=i) for i in range(samples))
            run.cells.append(CellResult(task=task, length=length, scores=scores, tallies=tallies))
    return run
