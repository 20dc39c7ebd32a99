"""FlexPrefill-style adaptive prefill sparsity: per-head column and diagonal budgets by cumulative mass."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from kernels.layout import BlockLayout
from kernels.methods.common import cumulative_mass_count, topk_mask, values_text
from kernels.methods.vertical_slash import vertical_slash_scores
from kernels.methods.vertical_slash_layout import COLUMN_FORMS, columns_and_diagonals_layout


@dataclass(frozen=True)
class FlexPrefillParams:
    """Per head, the fewest columns (and diagonals) whose sorted estimated mass reaches ``alpha``,
    at least ``min_budget`` tokens each, the first ``sink_tokens`` columns and ``local_tokens``
    nearest diagonals forced inside that budget (raised to them if smaller); estimated from the last
    ``last_queries`` queries.
    Executed like vertical-slash: diagonals as blocks, columns as strips (``columns="blocks"``: our
    earlier variant). The defaults are Sparse Frontier's (flexprefill.yaml and its code)."""

    block_size: int = 64
    last_queries: int = 512
    alpha: float = 0.65
    min_budget: int = 512
    sink_tokens: int = 4
    local_tokens: int = 64
    columns: str = "strips"

    def __post_init__(self):
        """Check ranges."""
        if not 0 < self.alpha <= 1:
            raise ValueError(f"alpha must lie in (0, 1], got {self.alpha}")
        if min(self.block_size, self.last_queries, self.min_budget) < 1:
            got = values_text(self, "block_size", "last_queries", "min_budget")
            raise ValueError(f"sizes must be positive (got {got})")
        if min(self.sink_tokens, self.local_tokens) < 0:
            got = values_text(self, "sink_tokens", "local_tokens")
            raise ValueError(f"sink_tokens and local_tokens must be >= 0 (got {got})")
        if self.columns not in COLUMN_FORMS:
            raise ValueError(f"columns must be one of {COLUMN_FORMS}, got {self.columns!r}")


def flexprefill_build_layout(q: torch.Tensor, k: torch.Tensor, params: FlexPrefillParams) -> BlockLayout:
    """Adaptive vertical-slash layout for causal prefill of q ``[B, H, N, d]``."""
    vertical, slash = vertical_slash_scores(q, k, last=params.last_queries)
    vertical, slash = vertical.cpu(), slash.cpu()
    n_k = k.shape[2]
    floor = min(n_k, params.min_budget)
    n_cols = cumulative_mass_count(scores=vertical, tau=params.alpha).clamp(floor, n_k)
    n_diag = cumulative_mass_count(scores=slash, tau=params.alpha).clamp(floor, n_k)
    n_cols = n_cols.clamp_min(min(n_k, params.sink_tokens))  # no-ops unless min_budget < the forced
    n_diag = n_diag.clamp_min(min(n_k, params.local_tokens))
    vertical[..., : params.sink_tokens] = float("inf")  # forced after the budgets are counted
    slash[..., : params.local_tokens] = float("inf")
    cols = topk_mask(scores=vertical, counts=n_cols)
    diags = topk_mask(scores=slash, counts=n_diag)
    return columns_and_diagonals_layout(
        cols, diags, block=params.block_size, q_len=q.shape[2], columns=params.columns
    )
