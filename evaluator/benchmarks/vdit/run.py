"""Run a submission on every (seed, length, layer) call of a phase and keep what the harness measured."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import torch

from evaluator.contract import ProgressFn
from evaluator.devices import scoring_device
from evaluator.sandbox.measure import code_method_measure
from evaluator.sandbox.session import code_session
from kernels.harness import MethodMeasurement, method_measure

from .model import WorkloadModel, call_workload, geometry_for
from .phases import PhasePlan, PhaseSeeds
from .submission import VditSubmission

REPEATS = 5
#: The block size of a code submission's answer (the kernels' tile, as the reference methods use).
CODE_BLOCK = (128, 128)


@dataclass(frozen=True)
class CallResult:
    """One measured attention call: which seed, length and layer, the layer's head patterns, the figures."""

    seed_index: int
    frames: int
    tokens: int
    layer: int
    patterns: tuple[str, ...]
    measurement: MethodMeasurement | None  # None: dense attention, the reference itself
    timed: bool = True  # False: one round after the warm-up, for error, recall and density only


@dataclass
class PhaseRun:
    """Every call of a phase, in order, the log lines the submitter may see, how many evaluation seeds ran,
    and the wall seconds of its stages: "workload" (the calls' q, k, v from the model) and "measuring" (the
    harness's rounds with their error, recall and density counts), for timing scripts."""

    calls: list[CallResult] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    seed_count: int = 0
    seconds: dict[str, float] = field(default_factory=lambda: {"workload": 0.0, "measuring": 0.0})


def phase_run(
    *, model: WorkloadModel, submission: VditSubmission, plan: PhasePlan, seeds: PhaseSeeds,
    progress: ProgressFn, frames: tuple[int, ...] | None = None, seed_count: int | None = None,
    repeats: int = REPEATS, time_limit_s: float | None = None,
) -> PhaseRun:  # fmt: skip
    """Measure the submission on each call; ``frames``, ``seed_count`` and ``repeats`` (timed rounds
    after the warm-up) override the plan's (tests); code runs within ``time_limit_s`` (``code_session``).

    Speed is timed on every layer's call of the first seed of each length (``repeats`` interleaved
    rounds); the other seeds' calls run one round for their error, recall and density."""
    lengths = plan.frames if frames is None else frames
    evaluation = seeds.evaluation if seed_count is None else seeds.evaluation[:seed_count]
    run = PhaseRun(seed_count=len(evaluation))
    # Reference methods run on the worker's device; a code submission's tensors stay on the CPU (handed
    # over in shared memory; on a GPU worker the sandbox may move them to the GPU it is lent).
    device = scoring_device() if submission.code is None else torch.device("cpu")
    with code_session(files=submission.code, log=run.log, hidden=plan.hidden,
                      time_limit_s=time_limit_s) as sandboxed:  # fmt: skip
        total, done = len(lengths) * len(evaluation) * model.layers, 0
        for n_frames in lengths:
            geometry = geometry_for(frames=n_frames)
            for index, seed in enumerate(evaluation):
                for layer in range(model.layers):
                    progress(
                        done / total, f"{plan.tokens(n_frames)} tokens, seed {index + 1}, layer {layer + 1}"
                    )
                    start = time.perf_counter()
                    work = call_workload(model=model, geometry=geometry, seed=seed, layer=layer,
                                         device=device)  # fmt: skip
                    made = time.perf_counter()
                    timed = index == 0
                    measured = _measure(submission, sandboxed, work=work, geometry=geometry, layer=layer,
                                        sampling=seeds.sampling, repeats=repeats if timed else 1)  # fmt: skip
                    run.seconds["workload"] += made - start
                    run.seconds["measuring"] += time.perf_counter() - made
                    run.calls.append(CallResult(index, n_frames, plan.tokens(n_frames), layer,
                                                model.patterns[layer], measured, timed))  # fmt: skip
                    done += 1
    progress(1.0, "measured")
    return run


def _measure(
    submission, sandboxed, *, work, geometry, layer: int, sampling: int, repeats: int
) -> MethodMeasurement | None:
    """The harness's measurement of one call (None for dense attention)."""
    if sandboxed is not None:
        return code_method_measure(
            method=sandboxed, q=work.q, k=work.k, v=work.v, causal=False, block_size=CODE_BLOCK,
            layer=layer, step=None, geometry=geometry, repeats=repeats,
        )  # fmt: skip
    config = submission.layer_config(layer)
    if config is None:
        return None
    return method_measure(
        config, q=work.q, k=work.k, v=work.v, geometry=geometry, repeats=repeats, seed=sampling
    )
