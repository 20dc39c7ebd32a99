"""Fold small query blocks into super-rows of >= 192 tokens for the blocks all their sub-rows share."""

from __future__ import annotations

import math

import torch

from kernels.layout import HEAD_SPARSE, BlockLayout


def layout_fold(
    layout: BlockLayout, *, min_query_tokens: int = 192, min_common: float = 0.5
) -> tuple[BlockLayout, BlockLayout, int] | None:
    """(super layout, residual layout, fold) or None when folding does not pay.

    Query blocks of fewer than ``min_query_tokens`` tokens fall into the CPU kernel's small query
    tiles. Groups of ``fold`` consecutive query blocks (fold a power of two) run as one super-row over
    the key blocks every member has at the same level (and, if causal, fully visible to all); each
    member's other blocks form the residual layout, merged by log-sum-exp. Folding is used when the
    shared blocks carry at least ``min_common`` of the work. Heads not in sparse mode are left out
    of both layouts. Cached on the layout.
    """
    key = ("fold", min_query_tokens, min_common)
    return layout.cached(key, lambda: _fold(layout, min_query_tokens, min_common))


def _fold(layout: BlockLayout, min_query_tokens: int, min_common: float):
    """Compute the fold (uncached)."""
    b_q, b_k = layout.block_size
    bsz, heads, n_q, n_k = layout.shape
    if b_q >= min_query_tokens:
        return None
    f = 2 ** math.ceil(math.log2(min_query_tokens / b_q))
    if n_q % f or n_q < f:
        return None
    lm = layout.level_map()
    if layout.head_modes is not None:
        lm = lm * (layout.head_modes == HEAD_SPARSE).view(bsz, heads, 1, 1).to(lm.dtype)
    grp = lm.view(bsz, heads, n_q // f, f, n_k)
    first = grp[:, :, :, 0]
    common = (grp == first.unsqueeze(3)).all(3) & (first > 0)
    if layout.causal:
        start = torch.arange(n_q // f).view(-1, 1) * f * b_q + layout.kv_offset
        common &= torch.arange(n_k).view(1, -1) * b_k + b_k - 1 <= start
    total = int((lm > 0).sum())
    if total == 0 or int(common.sum()) * f < min_common * total:
        return None
    super_lm = torch.where(common, first, torch.zeros_like(first))
    resid = torch.where(common.unsqueeze(3), torch.zeros_like(grp), grp).view(bsz, heads, n_q, n_k)
    super_layout = BlockLayout.from_level_map(super_lm, block_size=(f * b_q, b_k), causal=layout.causal)
    resid_layout = BlockLayout.from_level_map(resid, block_size=(b_q, b_k), causal=layout.causal)
    return super_layout, resid_layout, f
