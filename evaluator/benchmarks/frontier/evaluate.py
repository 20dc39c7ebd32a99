"""One submission on one phase: every task, length and sample through the wired model, then the report."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from evaluator.contract import ProgressFn
from evaluator.intervals import bootstrap_mean_interval
from evaluator.sandbox import SandboxedMethod
from evaluator.sandbox.session import code_session

from .attention import MethodAttention
from .hooks import CapturingDense, SubmissionHooks
from .model.protocol import SUPPORTED_TASKS, model_answer
from .model.wired import WiredModel
from .plan import PhasePlan, seed_key
from .registry import sample_make
from .sample import SampleScore
from .scoring import score_output
from .speed import SpeedFigures, params_for, speed_measure
from .submission import FrontierSubmission

#: Bootstrap replicates of each (task, length) interval, from numpy default_rng(BOOTSTRAP_SEED).
BOOTSTRAP_REPS, BOOTSTRAP_SEED = 1000, 0


@dataclass(frozen=True)
class CellResult:
    """One (task, length): the sample scores in index order."""

    task: str
    length: int
    scores: tuple[SampleScore, ...]


@dataclass
class PhaseRun:
    """What a phase run measured: per (task, length) scores, the attention tally, the speed per length."""

    cells: list[CellResult] = field(default_factory=list)
    attention: MethodAttention | None = None
    speed: dict[int, SpeedFigures | None] = field(default_factory=dict)
    budgets: dict[int, dict[str, float] | None] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)


def bootstrap_interval(*, values: np.ndarray, reps: int = BOOTSTRAP_REPS) -> tuple[float, float]:
    """Percentile 95% interval of the mean, resampling samples with replacement (fixed generator)."""
    return bootstrap_mean_interval(values=values, reps=reps, seed=BOOTSTRAP_SEED)


def phase_run(
    *,
    model: WiredModel,
    submission: FrontierSubmission,
    plan: PhasePlan,
    seeds: dict[str, int],
    progress: ProgressFn,
    samples: int | None = None,
) -> PhaseRun:
    """Run every supported task of `plan` at each length on `samples` (default the plan's) samples."""
    count = plan.samples if samples is None else samples
    run = PhaseRun()
    with code_session(files=submission.code, log=run.log, hidden=plan.hidden) as sandboxed:
        run.attention = MethodAttention(submission=submission, sandboxed=sandboxed)
        for length in plan.lengths:
            _length_run(model=model, submission=submission, length=length, seeds=seeds, count=count, run=run,
                        sandboxed=sandboxed, progress=progress, total=len(plan.lengths) * len(SUPPORTED_TASKS)
                        * count)  # fmt: skip
    return run


def _length_run(
    *, model: WiredModel, submission: FrontierSubmission, length: int, seeds: dict[str, int], count: int,
    run: PhaseRun, sandboxed: SandboxedMethod | None, progress: ProgressFn, total: int,
) -> None:
    """Speed on the first sample's layer inputs, then every supported task's samples at ``length``."""
    attention = run.attention
    first = sample_make(task=SUPPORTED_TASKS[0], index=0, length=length,
                        seed=seeds[seed_key(task=SUPPORTED_TASKS[0], length=length)])  # fmt: skip
    capture = CapturingDense()
    model_answer(model=model, sample=first, attention=capture.prefill, decode_attention=capture.decode)
    whole, steps = capture.whole()
    inputs = capture.prompt if submission.phase_kind == "prefill" else whole
    chosen = params_for(submission=submission, prompt=inputs, decode_steps=steps)
    attention.params, run.budgets[length] = chosen
    started = time.perf_counter()
    run.speed[length] = speed_measure(submission=submission, budget=run.budgets[length], prompt=inputs,
                                      decode_steps=steps, sandboxed=sandboxed)  # fmt: skip
    run.log.append(f"{length} tokens: speed measured on layer inputs of {first.task} sample 0 in "
                   f"{time.perf_counter() - started:.1f} s; budget {run.budgets[length]}")  # fmt: skip
    hooks = SubmissionHooks(attention=attention)
    done = len(run.cells) * count
    for task in SUPPORTED_TASKS:
        scores = []
        for index in range(count):
            sample = sample_make(task=task, index=index, seed=seeds[seed_key(task=task, length=length)],
                                 length=length)  # fmt: skip
            attention.reset()
            answer = model_answer(model=model, sample=sample, attention=hooks.prefill,
                                  decode_attention=hooks.decode)  # fmt: skip
            scores.append(score_output(task=task, sample=sample, output=answer.text))
            done += 1
            progress(done / total, f"{task} at {length} tokens: sample {index + 1}/{count}")
        run.cells.append(CellResult(task=task, length=length, scores=tuple(scores)))
