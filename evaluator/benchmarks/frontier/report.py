"""A phase run as the platform's split scores: accuracies with intervals, measured sparsity, speed."""

from __future__ import annotations

import numpy as np

from evaluator.contract import ItemScore, SplitScore, SubmissionRefused

from .attention import AttentionTally
from .evaluate import CellResult, PhaseRun, bootstrap_interval
from .model.protocol import SUPPORTED_TASKS
from .registry import task_names
from .speed import SpeedFigures
from .submission import FrontierSubmission

#: How far the measured sparsity may miss a declared target_sparsity.
TARGET_TOLERANCE = 0.01
UNSUPPORTED = "n/a: the built-in model does not solve this task under dense attention, so it is not scored"
NOT_RUN = "n/a: not run in this configuration (a test or timing run over fewer tasks)"
NA_REASONS = {
    "sparsity_ref": "n/a: decode methods keep cache tokens; the count is per block layout",
    "prefill_speedup": "n/a: Quest and the eviction methods act on decoding; the prompt is attended densely",
    "decode_speedup": "n/a: prefill methods decode densely (as the Sparse Frontier does); no decode speedup",
    "speedup": "n/a: no speed was measured",
    "attn_rel_l2": "n/a: no attention call was measured",
}


def _cell_values(run: PhaseRun, *, limit: int | None) -> dict[tuple[str, int], np.ndarray]:
    """Per (task, length) the score values of samples below `limit` (None: all)."""
    return {
        (c.task, c.length): np.array([s.value for s in c.scores if limit is None or s.index < limit])
        for c in run.cells
    }


def _cell_tally(cell: CellResult, *, limit: int | None) -> AttentionTally:
    """The pooled attention tally of the cell's samples below `limit` (None: all)."""
    return AttentionTally.pooled(
        t for s, t in zip(cell.scores, cell.tallies, strict=True) if limit is None or s.index < limit
    )


def _attention_values(tally: AttentionTally, *, kind: str) -> dict[str, float | None]:
    """Sparsity (both counts) and the mean attention error per call of a pooled tally."""
    return {
        "sparsity": None if tally.density is None else 1.0 - tally.density,
        "sparsity_ref": None if tally.density_reference is None else 1.0 - tally.density_reference,
        "attn_rel_l2": 0.0 if kind == "dense" else tally.rel_l2,  # dense attention is the reference itself
    }


def _speed_values(*, kind: str, figures: list[SpeedFigures | None]) -> dict[str, float | None]:
    """Prefill and decode speedup of the speed figures (summed times): the method's kind gets the ratio,
    the other None; dense attention is 1 on both by definition."""
    if kind == "dense":
        return {"prefill_speedup": 1.0, "decode_speedup": 1.0}
    measured = [f for f in figures if f is not None]
    ratio = sum(f.dense_ms for f in measured) / sum(f.method_ms for f in measured) if measured else None
    return {
        "prefill_speedup": ratio if kind == "prefill" else None,
        "decode_speedup": ratio if kind == "decode" else None,
    }


def _items(run: PhaseRun, *, limit: int | None) -> tuple[ItemScore, ...]:
    """One item per (task, length): mean, bootstrap interval, harness-convention mean, dropped count, the
    sparsity and error of its samples' calls, and the speedups of its length (shared by its tasks)."""
    items = []
    for cell in run.cells:
        kept = [s for s in cell.scores if limit is None or s.index < limit]
        values = np.array([s.value for s in kept])
        low, high = bootstrap_interval(values=values)
        answered = [s.value for s in kept if not s.dropped]
        tally = _cell_tally(cell, limit=limit)
        items.append(
            ItemScore(
                item=f"{cell.task}@{cell.length}",
                group=cell.task,
                values={
                    "acc": float(values.mean()),
                    "acc_lo": low,
                    "acc_hi": high,
                    "acc_harness": float(np.mean(answered)) if answered else 0.0,
                    "dropped": float(len(kept) - len(answered)),
                    "samples": float(len(kept)),
                    "calls": float(tally.calls),
                    **_attention_values(tally, kind=run.kind),
                    **_speed_values(kind=run.kind, figures=[run.speed.get(cell.length)]),
                },
            )
        )
    return tuple(items)


def run_tally(run: PhaseRun, *, limit: int | None = None) -> AttentionTally:
    """The attention tally of every cell's samples below `limit` (None: the whole run)."""
    return AttentionTally.pooled(_cell_tally(cell, limit=limit) for cell in run.cells)


def measured_sparsity(run: PhaseRun, *, limit: int | None = None) -> tuple[float | None, float | None]:
    """(sparsity as computed, by the Sparse Frontier's count) over the run's samples below `limit`."""
    values = _attention_values(run_tally(run, limit=limit), kind=run.kind)
    return values["sparsity"], values["sparsity_ref"]


def target_check(*, submission: FrontierSubmission, run: PhaseRun) -> None:
    """SubmissionRefused with both numbers when the measured sparsity misses the declared target."""
    target = None if submission.method is None else submission.method.target_sparsity
    if target is None:
        return
    measured, _ = measured_sparsity(run)  # the count the budget search aims at (the kernels' density)
    if measured is None or abs(measured - target) > TARGET_TOLERANCE:
        shown = "n/a" if measured is None else f"{measured:.4f}"
        raise SubmissionRefused(
            f"target_sparsity: the measured sparsity {shown} misses the declared {target:.4f} by more than"
            f" {TARGET_TOLERANCE} (budget chosen per task and length: {run.budgets})"
        )


def split_score(*, run: PhaseRun, limit: int | None) -> SplitScore:
    """The metrics of one split (samples below `limit`, or all)."""
    cells = _cell_values(run, limit=limit)
    metrics: dict[str, float | None] = {}
    reasons: dict[str, str] = {}
    task_means = []
    for task in task_names():
        means = [values.mean() for (t, _), values in cells.items() if t == task]
        if task not in SUPPORTED_TASKS or not means:
            metrics[f"acc_{task}"] = None
            reasons[f"acc_{task}"] = UNSUPPORTED if task not in SUPPORTED_TASKS else NOT_RUN
            continue
        mean = float(np.mean(means))
        metrics[f"acc_{task}"] = mean
        task_means.append(mean)
    metrics["acc_mean"] = float(np.mean(task_means))
    metrics["acc_worst"] = float(min(task_means))
    metrics.update(_attention_values(run_tally(run, limit=limit), kind=run.kind))
    computed = metrics["sparsity"]
    metrics["compression"] = None if computed is None or computed >= 1.0 else 1.0 / (1.0 - computed)
    metrics.update(_speed_values(kind=run.kind, figures=list(run.speed.values())))
    # the Pareto axis: the speedup where the method acts (prefill or decode; dense attention's is 1)
    metrics["speedup"] = metrics["decode_speedup" if run.kind == "decode" else "prefill_speedup"]
    for name, reason in NA_REASONS.items():
        if metrics[name] is None:
            reasons[name] = reason
    return SplitScore(metrics=metrics, items=_items(run, limit=limit), na_reasons=reasons)
