"""A phase run as the platform's split scores: output error per head pattern, recall, density, speed."""

from __future__ import annotations

import numpy as np

from evaluator.contract import ItemScore, SplitScore
from evaluator.intervals import bootstrap_mean_interval

from .model import PATTERN_COUNTS
from .run import CallResult, PhaseRun

BOOTSTRAP_REPS = 2000
BOOTSTRAP_SEED = 20251
PATTERNS = tuple(PATTERN_COUNTS)
DENSE_REASON = "n/a: dense attention is the reference"


def _call_item(call: CallResult) -> ItemScore:
    """One call's figures (dense: the reference's zeros and ones)."""
    m = call.measurement
    item = f"{call.tokens} tokens / seed {call.seed_index + 1} / layer {call.layer + 1}"
    if m is None:
        return ItemScore(
            item=item,
            group=str(call.tokens),
            values={"rel_l2": 0.0, "density": 1.0, "mass_recall": 1.0, "speedup": 1.0},
        )
    values = {"rel_l2": m.rel_l2, "density": m.density, "mass_recall": m.mass_recall}
    if call.timed:
        values.update(speedup=m.speedup, estimator_ms=m.estimator.median_ms,
                      attention_ms=m.attention.median_ms, dense_ms=m.dense.median_ms)  # fmt: skip
    return ItemScore(item=item, group=str(call.tokens), values=values)


def _head_errors(calls: list[CallResult]) -> dict[str, list[float]]:
    """Every head's relative L2 error, by its pattern."""
    errors: dict[str, list[float]] = {p: [] for p in PATTERNS}
    for call in calls:
        per_head = (
            (0.0,) * len(call.patterns) if call.measurement is None else call.measurement.rel_l2_per_head
        )
        for pattern, error in zip(call.patterns, per_head, strict=True):
            errors[pattern].append(error)
    return errors


def _seed_errors(calls: list[CallResult]) -> np.ndarray:
    """The mean head error of each (length, seed): the unit the interval resamples."""
    by_seed: dict[tuple[int, int], list[float]] = {}
    for call in calls:
        errors = (0.0,) if call.measurement is None else call.measurement.rel_l2_per_head
        by_seed.setdefault((call.frames, call.seed_index), []).extend(errors)
    return np.array([np.mean(v) for v in by_seed.values()])


def split_score(*, run: PhaseRun, seed_limit: int | None) -> SplitScore:
    """The metrics of one split: calls of the seeds below ``seed_limit`` (None: all)."""
    calls = [c for c in run.calls if seed_limit is None or c.seed_index < seed_limit]
    errors = _head_errors(calls)
    metrics: dict[str, float | None] = {f"rel_l2_{p}": float(np.mean(v)) for p, v in errors.items() if v}
    metrics["rel_l2"] = float(np.mean([e for v in errors.values() for e in v]))
    metrics["rel_l2_worst"] = max(metrics[f"rel_l2_{p}"] for p in PATTERNS if errors[p])
    metrics["rel_l2_lo"], metrics["rel_l2_hi"] = bootstrap_mean_interval(
        values=_seed_errors(calls), reps=BOOTSTRAP_REPS, seed=BOOTSTRAP_SEED
    )
    reasons: dict[str, str] = {}
    measured = [c.measurement for c in calls if c.measurement is not None]
    if not measured:
        metrics.update(cosine=1.0, mass_recall=1.0, density=1.0, speedup=1.0, kernel_speedup=1.0)
        metrics["estimator_share"] = None
        reasons["estimator_share"] = DENSE_REASON
    else:
        weights = np.array([c.tokens**2 for c in calls if c.measurement is not None], dtype=float)
        metrics["cosine"] = float(np.mean([m.cosine for m in measured]))
        recalls = [m.mass_recall for m in measured]
        metrics["mass_recall"] = float(np.average(recalls, weights=weights))
        metrics["density"] = float(np.average([m.density for m in measured], weights=weights))
        timed = [c.measurement for c in calls if c.timed and c.measurement is not None]
        estimator = sum(m.estimator.median_ms for m in timed)
        attention = sum(m.attention.median_ms for m in timed)
        dense = sum(m.dense.median_ms for m in timed)
        metrics["speedup"] = dense / (estimator + attention)
        metrics["kernel_speedup"] = dense / attention
        metrics["estimator_share"] = estimator / (estimator + attention)
    metrics["sparsity"] = 1.0 - metrics["density"]
    items = tuple(_call_item(c) for c in calls)
    return SplitScore(metrics=metrics, items=items, na_reasons=reasons)
