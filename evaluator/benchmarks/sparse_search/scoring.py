"""Turning trained runs and the hidden reference into the public and private SplitScores."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from evaluator.benchmarks.sparse_search.config import SearchConfig, level_key, level_tag
from evaluator.benchmarks.sparse_search.metrics import (
    diff_bootstrap_interval,
    diff_vs_random,
    percentile_within,
)
from evaluator.benchmarks.sparse_search.runs import MaskRun, Reference
from evaluator.contract import ItemScore, SplitScore

DENSE_NA = "the dense parent keeps every node: it is the reference, not a configuration at these sparsities"


def split_score(
    *,
    config: SearchConfig,
    runs: Sequence[MaskRun],
    kept: Sequence[tuple[int, int]],
    ref: Reference,
    seed_index: np.ndarray,
    dense_parent: bool,
    same_split: np.ndarray | None = None,
) -> SplitScore:
    """Aggregates and items of one split = the hidden seeds selected by `seed_index` (positions).

    `same_split` (levels, split masks, all hidden seeds) is the accuracy of random masks with the
    submission's own layer split per level; None for the dense parent (its same-split metrics are n/a).
    """
    acc = np.stack([run.test_accuracy[seed_index] for run in runs])  # (levels, seeds)
    rand = ref.random_accuracy[:, :, seed_index]  # (levels, masks, seeds)
    same = None if same_split is None else same_split[:, :, seed_index]  # (levels, split masks, seeds)
    dense = ref.dense_accuracy[seed_index]
    metrics: dict[str, float | None] = {}
    na: dict[str, str] = {}
    items: list[ItemScore] = []
    densities = [config.weight_density(kept=k) for k in kept]
    for lv, level in enumerate(config.levels):
        tag, run = level_tag(level), runs[lv]
        mean = float(acc[lv].mean())
        std = float(acc[lv].std(ddof=1)) if len(seed_index) > 1 else None
        if std is None:
            na[f"acc_std_{tag}"] = "the standard deviation needs at least two seeds in the split"
        values: dict[str, float | None] = {
            "acc": mean,
            "acc_std": std,
            "diff": mean - float(rand[lv].mean()),
            "pct": percentile_within(value=mean, distribution=rand[lv].mean(axis=1)),
            "gap": mean - float(dense.mean()),
            "conv": float(run.convergence[seed_index].mean()),
            "wdens": densities[lv],
        }
        extra = {}
        if same is not None:
            values["diff_split"] = mean - float(same[lv].mean())
            extra = {"same_split_mean": float(same[lv].mean())}
        else:
            metrics[f"diff_split_{tag}"], na[f"diff_split_{tag}"] = None, DENSE_NA
        for name, value in values.items():
            metrics[f"{name}_{tag}"] = value
        items.append(
            ItemScore(
                item=f"level {level_key(level)}",
                group="level",
                values={
                    **values,
                    "random_mean": float(rand[lv].mean()),
                    **extra,
                    "dense_mean": float(dense.mean()),
                    "weight_sparsity": 1.0 - densities[lv],
                    "kept_layer1": float(kept[lv][0]),
                    "kept_layer2": float(kept[lv][1]),
                },
            )
        )
        for pos, s in enumerate(seed_index):
            items.append(
                ItemScore(
                    item=f"level {level_key(level)} / seed {int(s) + 1}",
                    group=f"level {level_key(level)}",
                    values={
                        "acc": float(acc[lv, pos]),
                        "conv": float(run.convergence[s]),
                        "final_val_acc": float(run.final_val_accuracy[s]),
                        "random_mean": float(rand[lv, :, pos].mean()),
                        **({} if same is None else {"same_split_mean": float(same[lv, :, pos].mean())}),
                        "dense_acc": float(dense[pos]),
                    },
                )
            )
    metrics["acc_mean"] = float(acc.mean())
    metrics["weight_density"] = float(np.mean(densities))
    references = {"diff_vs_random": ("diff_ci_low", "diff_ci_high", rand)}
    references["diff_vs_same_split"] = ("same_split_ci_low", "same_split_ci_high", same)
    for name, (low_name, high_name, reference) in references.items():
        if dense_parent or reference is None:
            for key in (name, low_name, high_name):
                metrics[key] = None
                na[key] = DENSE_NA
            continue
        metrics[name] = diff_vs_random(accuracy=acc, random_accuracy=reference)
        metrics[low_name], metrics[high_name] = diff_bootstrap_interval(
            accuracy=acc, random_accuracy=reference, reps=config.bootstrap_reps
        )
    return SplitScore(metrics=metrics, items=tuple(items), na_reasons=na)
