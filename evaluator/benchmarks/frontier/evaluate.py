"""One submission on one phase: every task, length and sample through the wired model, then the report."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from evaluator.contract import ProgressFn
from evaluator.intervals import bootstrap_mean_interval
from evaluator.sandbox import SandboxedMethod
from evaluator.sandbox.session import code_session

from .attention import AttentionTally, MethodAttention
from .hooks import CapturingDense, SubmissionHooks
from .model.protocol import SUPPORTED_TASKS, model_answer, model_prefill
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
    """One (task, length): the sample scores in index order, and each sample's attention tally (its calls'
    counted cells and output errors, same order)."""

    task: str
    length: int
    scores: tuple[SampleScore, ...]
    tallies: tuple[AttentionTally, ...] = ()


@dataclass
class PhaseRun:
    """What a phase run measured: per (task, length) scores and tallies, the speed per length, the
    budget chosen per (task, length) (keys as the seed files': "task@length"), and where the method
    acts ("dense", "prefill" or "decode": which speedup the speed figures are)."""

    cells: list[CellResult] = field(default_factory=list)
    attention: MethodAttention | None = None
    speed: dict[int, SpeedFigures | None] = field(default_factory=dict)
    budgets: dict[str, dict[str, float] | None] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)
    kind: str = "dense"


def bootstrap_interval(*, values: np.ndarray, reps: int = BOOTSTRAP_REPS) -> tuple[float, float]:
    """Percentile 95% interval of the mean, resampling samples with replacement (fixed generator)."""
    return bootstrap_mean_interval(values=values, reps=reps, seed=BOOTSTRAP_SEED)


def _inputs(*, model: WiredModel, submission: FrontierSubmission, sample) -> tuple[dict, int]:
    """(per layer q, k, v a method's budget is chosen on, decoded steps): a dense answer of `sample`
    (prefill methods: its prefill alone, 0 steps)."""
    capture = CapturingDense()
    if submission.phase_kind == "prefill":  # the prompt's q, k, v only: no need to decode
        model_prefill(model=model, sample=sample, attention=capture.prefill)
        return capture.prompt, 0
    model_answer(model=model, sample=sample, attention=capture.prefill, decode_attention=capture.decode)
    return capture.whole()


def phase_run(
    *,
    model: WiredModel,
    submission: FrontierSubmission,
    plan: PhasePlan,
    seeds: dict[str, int],
    progress: ProgressFn,
    samples: int | None = None,
    time_limit_s: float | None = None,
    tasks: tuple[str, ...] = SUPPORTED_TASKS,
) -> PhaseRun:
    """Run every supported task of `plan` (or `tasks`, timing scripts) at each length on `samples`
    (default the plan's) samples.

    A target sparsity's budget is chosen per (task, length) on the q, k, v of that task's sample 0
    (prompts of different tasks differ); speed is measured per length on the first task's. Code runs
    within ``time_limit_s`` (``code_session``)."""
    count = plan.samples if samples is None else samples
    run = PhaseRun(kind=submission.phase_kind)
    with code_session(files=submission.code, log=run.log, hidden=plan.hidden,
                      time_limit_s=time_limit_s) as sandboxed:  # fmt: skip
        run.attention = MethodAttention(submission=submission, sandboxed=sandboxed, measure_error=True)
        for length in plan.lengths:
            _length_run(model=model, submission=submission, length=length, seeds=seeds, count=count, run=run,
                        sandboxed=sandboxed, progress=progress, total=len(plan.lengths) * len(tasks) * count,
                        tasks=tasks)  # fmt: skip
    return run


def _length_run(
    *, model: WiredModel, submission: FrontierSubmission, length: int, seeds: dict[str, int], count: int,
    run: PhaseRun, sandboxed: SandboxedMethod | None, progress: ProgressFn, total: int,
    tasks: tuple[str, ...],
) -> None:
    """Every task's samples at ``length``: a target sparsity's budget chosen per (task, length)
    on the q, k, v of that task's sample 0 (prompts of different tasks differ); speed measured once
    per length, on the first task's."""
    attention = run.attention
    hooks = SubmissionHooks(attention=attention)
    done = len(run.cells) * count
    dense = submission.method is None and submission.code is None
    for task in tasks:
        key = seed_key(task=task, length=length)
        if dense:  # no budget to choose, no speed to measure
            run.speed[length], run.budgets[key] = None, None
        else:  # progress first: a cancelled submission stops here, not after the budget and speed runs
            progress(done / total, f"{task} at {length} tokens: choosing the budget")
            first = sample_make(task=task, index=0, seed=seeds[key], length=length)
            inputs, steps = _inputs(model=model, submission=submission, sample=first)
            attention.params, run.budgets[key] = params_for(submission=submission, prompt=inputs,
                                                            decode_steps=steps)  # fmt: skip
            if length not in run.speed:
                progress(done / total, f"{length} tokens: measuring the speed on {task} sample 0")
                started = time.perf_counter()
                run.speed[length] = speed_measure(submission=submission, budget=run.budgets[key],
                                                  prompt=inputs, decode_steps=steps,
                                                  sandboxed=sandboxed)  # fmt: skip
                run.log.append(f"{length} tokens: speed measured on layer inputs of {task} sample 0 in "
                               f"{time.perf_counter() - started:.1f} s")  # fmt: skip
        run.log.append(f"{key}: budget {run.budgets[key]}")
        scores, tallies = [], []
        for index in range(count):
            sample = sample_make(task=task, index=index, seed=seeds[key], length=length)
            attention.reset()
            attention.tally = AttentionTally()  # this sample's calls only
            answer = model_answer(model=model, sample=sample, attention=hooks.prefill,
                                  decode_attention=hooks.decode)  # fmt: skip
            attention.errors_flush()  # the decode steps' errors, one pass per layer
            scores.append(score_output(task=task, sample=sample, output=answer.text))
            tallies.append(attention.tally)
            done += 1
            progress(done / total, f"{task} at {length} tokens: sample {index + 1}/{count}")
        run.cells.append(CellResult(task=task, length=length, scores=tuple(scores), tallies=tuple(tallies)))
