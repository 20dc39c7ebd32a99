"""FlexPrefill-style adaptive prefill sparsity: per-head column and diagonal budgets by cumulative mass."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from kernels.layout import BlockLayout
from kernels.methods.common import cumulative_mass_count, topk_mask
from kernels.methods.vertical_slash import columns_and_diagonals_layout, vertical_slash_scores


@dataclass(frozen=True)
class FlexPrefillParams:
    """Per head, the fewest columns (and diagonals) whose sorted estimated mass reaches ``alpha``,
    at least ``min_budget`` tokens each; estimated from the last ``last_queries`` queries."""

    block_size: int = 64
    last_queries: int = 256
    alpha: float = 0.65
    min_budget: int = 512

    def __post_init__(self):
        """Check ranges."""
        if not 0 < self.alpha <= 1:
            raise ValueError(f"alpha must lie in (0, 1], got {self.alpha}")
        if min(self.block_size, self.last_queries, self.min_budget) < 1:
            raise ValueError(f"sizes must be positive: {self}")


def flexprefill_build_layout(q: torch.Tensor, k: torch.Tensor, params: FlexPrefillParams) -> BlockLayout:
    """Adaptive vertical-slash layout for causal prefill of q ``[B, H, N, d]``."""
    vertical, slash = vertical_slash_scores(q, k, last=params.last_queries)
    vertical, slash = vertical.cpu(), slash.cpu()
    n_k = k.shape[2]
    floor = min(n_k, params.min_budget)
    n_cols = cumulative_mass_count(scores=vertical, tau=params.alpha).clamp(floor, n_k)
    n_diag = cumulative_mass_count(scores=slash, tau=params.alpha).clamp(floor, n_k)
    cols = topk_mask(scores=vertical, counts=n_cols)
    diags = topk_mask(scores=slash, counts=n_diag)
    return columns_and_diagonals_layout(cols, diags, block=params.block_size, q_len=q.shape[2])
