"""A phase run as the platform's split scores: accuracies with intervals, measured sparsity, speed."""

from __future__ import annotations

import numpy as np

from evaluator.contract import ItemScore, SplitScore, SubmissionRefused

from .evaluate import PhaseRun, bootstrap_interval
from .model.protocol import SUPPORTED_TASKS
from .registry import task_names
from .submission import FrontierSubmission

#: How far the measured sparsity may miss a declared target_sparsity.
TARGET_TOLERANCE = 0.01
UNSUPPORTED = "n/a: the built-in model does not solve this task under dense attention, so it is not scored"
NOT_RUN = "n/a: not run in this configuration (a test or timing run over fewer tasks)"


def _cell_values(run: PhaseRun, *, limit: int | None) -> dict[tuple[str, int], np.ndarray]:
    """Per (task, length) the score values of samples below `limit` (None: all)."""
    return {
        (c.task, c.length): np.array([s.value for s in c.scores if limit is None or s.index < limit])
        for c in run.cells
    }


def _items(run: PhaseRun, *, limit: int | None) -> tuple[ItemScore, ...]:
    """One item per (task, length): mean, bootstrap interval, harness-convention mean, dropped count."""
    items = []
    for cell in run.cells:
        kept = [s for s in cell.scores if limit is None or s.index < limit]
        values = np.array([s.value for s in kept])
        low, high = bootstrap_interval(values=values)
        answered = [s.value for s in kept if not s.dropped]
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
                },
            )
        )
    return tuple(items)


def measured_sparsity(run: PhaseRun) -> tuple[float | None, float | None]:
    """(sparsity as computed, sparsity by the Sparse Frontier's count) over the whole run."""
    tally = run.attention.tally
    dense = None if tally.density is None else 1.0 - tally.density
    reference = None if tally.density_reference is None else 1.0 - tally.density_reference
    return dense, reference


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
    computed, reference = measured_sparsity(run)
    metrics["sparsity"], metrics["sparsity_ref"] = computed, reference
    metrics["compression"] = None if computed is None or computed >= 1.0 else 1.0 / (1.0 - computed)
    speeds = [s for s in run.speed.values() if s is not None]
    if speeds:
        metrics["speedup"] = sum(s.dense_ms for s in speeds) / sum(s.method_ms for s in speeds)
        metrics["attn_rel_l2"] = float(np.mean([s.rel_l2 for s in speeds]))
    else:
        metrics["speedup"], metrics["attn_rel_l2"] = 1.0, 0.0  # dense attention is the reference itself
    if reference is None:
        reasons["sparsity_ref"] = "n/a: decode methods keep cache tokens; the count is per block layout"
    return SplitScore(metrics=metrics, items=_items(run, limit=limit), na_reasons=reasons)
