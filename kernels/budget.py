"""Target sparsity to budget: the budget parameter that gives a long-context method a wanted density.

Block top-k maps by formula, as the Sparse Frontier does (``_get_blocks_for_sparsity``): its block
count fixes its block-level density, which is what the harness counts. The reference has no mapping
for the other methods (their budgets are set by hand), so the harness searches: bisection on the
budget parameter, each probe running the method's selection on the measured inputs and counting the
density it computed (the decode steps' kept tokens, or the layout's blocks). Quest searches its
token budget in whole pages, SnapKV and Ada-SnapKV their capacity, vertical-slash one count for
both its columns and diagonals (the Sparse Frontier's config has them equal), FlexPrefill its alpha.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import torch

from kernels.decode import decode_steps_plan
from kernels.method_config import DECODE_METHODS, TARGET_KNOBS
from kernels.methods import LAYOUT_METHODS
from kernels.methods.block_topk import block_topk_top_k_for_sparsity
from kernels.metrics import layout_density

FLOAT_PROBES = 24


@dataclass(frozen=True)
class BudgetChoice:
    """The params a target sparsity led to, the knob value and the density its probe counted
    (None where a formula chose it without measuring)."""

    params: object
    value: float
    density: float | None


def budget_for_target(
    method: str,
    params,
    *,
    target_sparsity: float,
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    decode_steps: int | None = None,
) -> BudgetChoice:
    """``params`` with the budget of ``method`` chosen so that its density is closest to
    ``1 - target_sparsity`` on these inputs (decode methods: the last ``decode_steps`` decoded)."""
    if method not in TARGET_KNOBS:
        raise ValueError(f"no target sparsity for {method}; only for {sorted(TARGET_KNOBS)}")
    if not 0.0 < target_sparsity < 1.0:
        raise ValueError(f"target_sparsity must lie in (0, 1), got {target_sparsity}")
    if method == "block_topk":
        top_k = block_topk_top_k_for_sparsity(
            n_tokens=q.shape[2], block_size=params.block_size, target_sparsity=target_sparsity
        )
        return BudgetChoice(dataclasses.replace(params, top_k=top_k), top_k, None)
    if method in DECODE_METHODS and decode_steps is None:
        raise ValueError(f"{method} serves decode steps: pass decode_steps")
    lo, hi, with_value = _knob(method, params, n_tokens=q.shape[2], decode_steps=decode_steps)
    if method in DECODE_METHODS:

        def density(value: float) -> float:
            """Decode density at this budget."""
            return _decode_density(method, with_value(value), q=q, k=k, v=v, steps=decode_steps)
    else:

        def density(value: float) -> float:
            """Layout density at this budget."""
            return layout_density(LAYOUT_METHODS[method][1](q, k, with_value(value)))

    value, found = budget_bisect(
        density=density, lo=lo, hi=hi, target=1.0 - target_sparsity, integer=method != "flexprefill"
    )
    return BudgetChoice(with_value(value), value, found)


def _knob(method: str, params, *, n_tokens: int, decode_steps: int | None):
    """(lowest, highest, value -> params) of the method's budget knob."""
    prompt = n_tokens - (decode_steps or 0)
    if method == "quest":
        ps = params.page_size
        return 1, max(1, prompt // ps - 1), lambda m: dataclasses.replace(params, token_budget=int(m) * ps)
    if method in ("snapkv", "ada_snapkv"):
        low = params.sink + params.recent + 1
        return low, max(low, prompt), lambda c: dataclasses.replace(params, capacity=int(c))
    if method == "vertical_slash":
        return 1, n_tokens, lambda c: dataclasses.replace(params, n_vertical=int(c), n_slash=int(c))
    return 1e-6, 1.0, lambda a: dataclasses.replace(params, alpha=float(a))


def _decode_density(method: str, params, *, q, k, v, steps: int) -> float:
    """Mean over the decode steps of the kept fraction of the visible cache (selection only)."""
    plan = decode_steps_plan(method, params, q=q, k=k, v=v, steps=steps)
    state = plan.prepare()
    kept = [plan.kept(plan.select(state, t), t) for t in range(steps)]
    return sum(float(m.double().mean()) for m in kept) / steps


def budget_bisect(
    *, density: Callable[[float], float], lo: float, hi: float, target: float, integer: bool
) -> tuple[float, float]:
    """(value, its density) closest to ``target`` by bisection on [lo, hi], the density taken as
    non-decreasing in the value; the first closest probe wins ties."""
    best, best_density = None, None
    for _ in range(64 if integer else FLOAT_PROBES):
        if lo > hi:
            break
        mid = (lo + hi) // 2 if integer else (lo + hi) / 2
        found = density(mid)
        if best is None or abs(found - target) < abs(best_density - target):
            best, best_density = mid, found
        if found == target:
            break
        if found < target:
            lo = mid + 1 if integer else mid
        else:
            hi = mid - 1 if integer else mid
    return best, best_density
