"""The frontier page's main figure (The Sparse Frontier's): accuracy against compression, per method."""

from __future__ import annotations

from evaluator.contract import CurveSpec

from .registry import task_names
from .submission import DENSE


def frontier_curves() -> tuple[CurveSpec, ...]:
    """Worst-task, mean and per-task accuracy against the measured compression ratio, by config method."""
    return (
        CurveSpec(
            title="Accuracy against compression ratio",
            x="compression",
            ys=("acc_worst", "acc_mean", *(f"acc_{task}" for task in task_names())),
            group_by="method",
            anchor=DENSE,
            log_x=True,
            description=(
                "One line per method of the baselines (their config's method), each at the sparsities the"
                " platform scores, from dense attention at compression 1; compression = 1 / (1 - measured"
                " sparsity). Submitted entries are drawn as markers under their own names."
            ),
        ),
    )
