"""Scoring test-hf: the submitted method config run by hf_run on the local model for every task, and the
platform's split scores of it (accuracy where the model answers densely, attention-level figures always)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path

from evaluator.contract import ItemScore, Payload, ProgressFn, ScoreReport, SplitScore, SubmissionRefused
from evaluator.devices import scoring_device
from evaluator.hardware import hardware_fingerprint

from .hf_adapter import CallRecord, HfAttention, HfModel
from .hf_phase import HF_PHASE, hf_equipped, hf_model_cached
from .hf_run import GENERATE_TOKENS, HfTaskResult, greedy_answer, hf_task_run, prompt_ids
from .hooks import CapturingDense
from .plan import PhasePlan, phase_plan, phase_seeds_read, seed_key
from .registry import sample_make, task_names
from .report import NA_REASONS, NOT_RUN, TARGET_TOLERANCE
from .spec import VERSION
from .speed import SpeedFigures, params_for, speed_measure
from .submission import FrontierSubmission

PROTOCOL = f"frontier-{VERSION}-hf"
SILENT = (
    "n/a: the local model does not answer this task under dense attention on these samples; it is scored"
    " at the attention level (error, sparsity, mass recall)"
)
NONE_ANSWERED = "n/a: the local model answers none of the tasks under dense attention on these samples"


@dataclass
class HfPhaseRun:
    """Per (task, length) the dense and method scores and measured calls, the speed per length, the
    method's kind ("dense", "prefill" or "decode") and the job's log."""

    results: list[HfTaskResult] = field(default_factory=list)
    speed: dict[int, SpeedFigures | None] = field(default_factory=dict)
    kind: str = "dense"
    log: list[str] = field(default_factory=list)


def hf_speed(
    *, hf: HfModel, submission: FrontierSubmission, sample, max_new_tokens: int
) -> SpeedFigures | None:
    """Dense against the method's attention on the model's own q, k, v of one dense answer to ``sample``
    (the kernels' harness: warm-up, interleaved repeats, medians); None for dense, or for a decode method
    when the model wrote no token."""
    if submission.method is None:
        return None
    capture = CapturingDense()
    ids = prompt_ids(hf=hf, sample=sample)
    greedy_answer(hf=hf, ids=ids, attention=HfAttention(hooks=capture), max_new_tokens=max(1, max_new_tokens))
    if submission.phase_kind == "decode":
        if not capture.answer_q:
            return None
        prompt, steps = capture.whole()
    else:
        prompt, steps = capture.prompt, 0
    _, budget = params_for(submission=submission, prompt=prompt, decode_steps=steps)
    return speed_measure(submission=submission, budget=budget, prompt=prompt, decode_steps=steps)


def hf_phase_run(
    *, hf: HfModel, submission: FrontierSubmission, plan: PhasePlan, seeds: dict[str, int],
    tasks: tuple[str, ...], samples: int | None = None, max_new_tokens: int = GENERATE_TOKENS,
    progress: ProgressFn,
) -> HfPhaseRun:  # fmt: skip
    """Every task at every length of ``plan`` (its seeds from ``seeds``), dense and under the method, each
    attention call measured; the speed once per length on the first task's sample 0."""
    count = plan.samples if samples is None else samples
    cells = [(t, n) for n in plan.lengths for t in tasks]
    run = HfPhaseRun(kind=submission.phase_kind)
    for done, (task, length) in enumerate(cells):
        progress(done / (len(cells) + len(plan.lengths)), f"{task} at {length} tokens")
        result = hf_task_run(hf=hf, submission=submission, task=task, length=length,
                             seed=seeds[seed_key(task=task, length=length)], samples=count,
                             max_new_tokens=max_new_tokens)  # fmt: skip
        run.results.append(result)
        row = result.row()
        run.log.append(f"{task}@{length}: dense {row['dense_accuracy']:.2f}, {row['calls']} calls measured,"
                       f" {row['prompt_tokens']:.0f} prompt tokens on average")  # fmt: skip
    for done, length in enumerate(plan.lengths):
        progress((len(cells) + done) / (len(cells) + len(plan.lengths)), f"timing at {length} tokens")
        first = sample_make(task=tasks[0], index=0, seed=seeds[seed_key(task=tasks[0], length=length)],
                            length=length)  # fmt: skip
        run.speed[length] = hf_speed(hf=hf, submission=submission, sample=first,
                                     max_new_tokens=max_new_tokens)  # fmt: skip
    progress(1.0, "scored")
    return run


def _mean(values) -> float | None:
    """The mean of the values that are not None (None when none is)."""
    kept = [v for v in values if v is not None]
    return statistics.fmean(kept) if kept else None


def _attention_values(calls: list[CallRecord]) -> dict[str, float | None]:
    """Sparsity (both counts), mean error and mass recall over ``calls``."""
    density = _mean(c.density for c in calls)
    reference = _mean(c.density_reference for c in calls)
    return {
        "sparsity": None if density is None else 1.0 - density,
        "sparsity_ref": None if reference is None else 1.0 - reference,
        "attn_rel_l2": _mean(c.rel_l2 for c in calls),
        "mass_recall": _mean(c.mass_recall for c in calls),
    }


def _speed_values(*, kind: str, figures: list[SpeedFigures | None]) -> dict[str, float | None]:
    """The prefill and decode speedups of summed times: the method's kind gets the ratio; dense is 1."""
    if kind == "dense":
        return {"prefill_speedup": 1.0, "decode_speedup": 1.0}
    measured = [f for f in figures if f is not None]
    ratio = sum(f.dense_ms for f in measured) / sum(f.method_ms for f in measured) if measured else None
    return {"prefill_speedup": ratio if kind == "prefill" else None,
            "decode_speedup": ratio if kind == "decode" else None}  # fmt: skip


def _cell(result: HfTaskResult, *, run: HfPhaseRun, limit: int | None) -> tuple[ItemScore, float | None]:
    """One (task, length) item over the samples below ``limit``, and its accuracy (None: not answered)."""
    end = len(result.dense_scores) if limit is None else limit
    dense = statistics.fmean(result.dense_scores[:end])
    accuracy = statistics.fmean(result.method_scores[:end]) if dense > 0 else None
    calls = [c for c in result.calls if c.sample < end]
    values = {"acc": accuracy, "acc_dense": dense, "samples": float(len(result.dense_scores[:end])),
              "calls": float(len(calls)), **_attention_values(calls),
              **_speed_values(kind=run.kind, figures=[run.speed.get(result.length)])}  # fmt: skip
    item = ItemScore(item=f"{result.task}@{result.length}", group=result.task, values=values)
    return item, accuracy


def hf_split(*, run: HfPhaseRun, limit: int | None) -> SplitScore:
    """The metrics of one split (samples below ``limit``, or all)."""
    metrics: dict[str, float | None] = {}
    reasons: dict[str, str] = {}
    items, per_task = [], {}
    for result in run.results:
        item, accuracy = _cell(result, run=run, limit=limit)
        items.append(item)
        per_task.setdefault(result.task, []).append(accuracy)
    for task in task_names():
        answered = [a for a in per_task.get(task, []) if a is not None]
        metrics[f"acc_{task}"] = statistics.fmean(answered) if answered else None
        if not answered:
            reasons[f"acc_{task}"] = SILENT if task in per_task else NOT_RUN
    task_means = [metrics[f"acc_{t}"] for t in task_names() if metrics[f"acc_{t}"] is not None]
    metrics["acc_mean"] = statistics.fmean(task_means) if task_means else None
    metrics["acc_worst"] = min(task_means) if task_means else None
    if not task_means:
        reasons["acc_mean"] = reasons["acc_worst"] = NONE_ANSWERED
    end = None if limit is None else limit
    calls = [c for r in run.results for c in r.calls if end is None or c.sample < end]
    attention = _attention_values(calls)
    metrics.update({k: v for k, v in attention.items() if k != "mass_recall"})
    sparsity = metrics["sparsity"]
    metrics["compression"] = None if sparsity is None or sparsity >= 1.0 else 1.0 / (1.0 - sparsity)
    metrics.update(_speed_values(kind=run.kind, figures=list(run.speed.values())))
    metrics["speedup"] = metrics["decode_speedup" if run.kind == "decode" else "prefill_speedup"]
    for name, reason in NA_REASONS.items():
        if metrics.get(name) is None:
            reasons[name] = reason
    return SplitScore(metrics=metrics, items=tuple(items), na_reasons=reasons)


def hf_target_check(*, submission: FrontierSubmission, run: HfPhaseRun) -> None:
    """SubmissionRefused with both numbers when the measured sparsity misses a declared target."""
    target = None if submission.method is None else submission.method.target_sparsity
    if target is None:
        return
    measured = hf_split(run=run, limit=None).metrics["sparsity"]
    if measured is None or abs(measured - target) > TARGET_TOLERANCE:
        shown = "n/a" if measured is None else f"{measured:.4f}"
        raise SubmissionRefused(f"target_sparsity: the measured sparsity {shown} on the local model misses"
                                f" the declared {target:.4f} by more than {TARGET_TOLERANCE}")  # fmt: skip


def hf_phase_score(
    *, payload: Payload, hidden_dir: Path, submission: FrontierSubmission, progress: ProgressFn,
    tasks: tuple[str, ...] | None = None, samples: int | None = None, lengths: tuple[int, ...] | None = None,
    max_new_tokens: int = GENERATE_TOKENS,
) -> ScoreReport:  # fmt: skip
    """Score ``submission`` on test-hf with this worker's model (WorkerUnequipped when it has none); public
    split = the first half of the samples, private = all. The overrides serve tests and timing scripts."""
    path = hf_equipped()
    plan = phase_plan(slug=HF_PHASE)
    seeds = phase_seeds_read(phase=HF_PHASE, public_dir=Path(payload.public_dir), hidden_dir=hidden_dir)
    if lengths is not None:
        base = {key.split("@")[0]: value for key, value in seeds.items()}
        plan = PhasePlan(plan.slug, plan.title, lengths, plan.samples, plan.hidden, plan.needs_gpu)
        seeds = {seed_key(task=t, length=n): base[t] for t in base for n in lengths}
    hf = hf_model_cached(path, str(scoring_device()))
    run = hf_phase_run(hf=hf, submission=submission, plan=plan, seeds=seeds, tasks=tasks or task_names(),
                       samples=samples, max_new_tokens=max_new_tokens, progress=progress)  # fmt: skip
    hf_target_check(submission=submission, run=run)
    count = plan.samples if samples is None else samples
    splits = {"public": hf_split(run=run, limit=max(1, count // 2)), "private": hf_split(run=run, limit=None)}
    hardware = {**hardware_fingerprint(), "hf_model": path.name, "hf_dtype": str(hf.dtype)}
    return ScoreReport(splits=splits, protocol_version=PROTOCOL, hardware=hardware, log=tuple(run.log))
