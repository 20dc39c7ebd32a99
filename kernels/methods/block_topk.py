"""Block top-k prefill sparsity on mean-pooled queries and keys (the Sparse Frontier's block-sparse)."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from kernels.layout import BlockLayout
from kernels.methods.common import self_attention_length_check, values_text

FORCED_BLOCKS = 3  # sink, diagonal and previous block


@dataclass(frozen=True)
class BlockTopkParams:
    """Per query block keep ``top_k`` visible key blocks by pooled score; the first (sink), diagonal
    and previous blocks are forced inside those ``top_k`` (the Sparse Frontier's chunk 16, top 64
    chunks); causal unless ``causal`` is False."""

    block_size: int = 16
    top_k: int = 64
    causal: bool = True

    def __post_init__(self):
        """Check sizes (the reference asks for at least the three forced blocks)."""
        if self.block_size < 1 or self.top_k < FORCED_BLOCKS:
            got = values_text(self, "block_size", "top_k")
            raise ValueError(f"block_size must be >= 1 and top_k >= {FORCED_BLOCKS} (got {got})")


def block_topk_scores(q: torch.Tensor, k: torch.Tensor, *, block_size: int) -> torch.Tensor:
    """Pooled scores ``[B, H, n_b, n_b]``: mean query of each block dotted with mean key of each block
    (in float32, or float64 for float64 inputs)."""
    if k.shape[1] != q.shape[1]:
        k = k.repeat_interleave(q.shape[1] // k.shape[1], dim=1)
    dtype = torch.float64 if q.dtype == torch.float64 else torch.float32
    qp = q.to(dtype).unflatten(2, (-1, block_size)).mean(3)
    kp = k.to(dtype).unflatten(2, (-1, block_size)).mean(3)
    return qp @ kp.transpose(-1, -2)


def block_topk_build_layout(q: torch.Tensor, k: torch.Tensor, params: BlockTopkParams) -> BlockLayout:
    """Block top-k layout for self-attention of q ``[B, H, N, d]`` over k ``[B, H_kv, N, d]``.

    As the reference: forced blocks score +inf, invisible ones -inf, and each query block keeps
    its ``min(top_k, visible)`` best, so a row holds ``min(top_k, i + 1)`` blocks in all (causal).
    """
    b = params.block_size
    self_attention_length_check(q, k, block=b)
    scores = block_topk_scores(q, k, block_size=b).cpu()
    n_b = scores.shape[-1]
    i = torch.arange(n_b).view(-1, 1)
    j = torch.arange(n_b).view(1, -1)
    visible = j <= i if params.causal else torch.ones(n_b, n_b, dtype=torch.bool)
    forced = ((j == 0) | (j == i) | (j == i - 1)) & visible
    scores = scores.masked_fill(forced, float("inf")).masked_fill(~visible, float("-inf"))
    counts = torch.minimum(torch.full((n_b,), params.top_k), visible.sum(-1))
    top = min(params.top_k, n_b)
    order = torch.topk(scores, top, dim=-1).indices  # best first: forced (+inf), then by score
    ranked_in = (torch.arange(top).view(1, -1) < counts.view(-1, 1)).expand_as(order)
    keep = torch.zeros_like(scores, dtype=torch.bool).scatter_(-1, order, ranked_in)
    return BlockLayout.from_block_mask(keep, block_size=(b, b), causal=params.causal)


def block_topk_blocks_sparsity(*, n_tokens: int, block_size: int, top_k: int) -> float:
    """The reference's block-level sparsity of a causal block top-k: 1 - kept blocks / causal blocks."""
    n_b = -(-n_tokens // block_size)
    top = min(top_k, n_b)
    kept = top * (top + 1) // 2 + (n_b - top) * top
    return 1.0 - kept / (n_b * (n_b + 1) // 2)


def block_topk_top_k_for_sparsity(*, n_tokens: int, block_size: int, target_sparsity: float) -> int:
    """The ``top_k`` whose block-level sparsity is closest to ``target_sparsity`` (the reference's
    ``_get_blocks_for_sparsity``: bisection over [3, n_blocks], the first closest value kept)."""
    if not 0.0 < target_sparsity < 1.0:
        raise ValueError(f"target_sparsity must lie in (0, 1), got {target_sparsity}")
    if n_tokens < 1 or block_size < 1:
        raise ValueError(f"n_tokens and block_size must be >= 1, got {n_tokens}, {block_size}")
    left, right = FORCED_BLOCKS, -(-n_tokens // block_size)
    best, best_diff = FORCED_BLOCKS, float("inf")
    while left <= right:
        mid = (left + right) // 2
        sparsity = block_topk_blocks_sparsity(n_tokens=n_tokens, block_size=block_size, top_k=mid)
        if abs(sparsity - target_sparsity) < best_diff:
            best, best_diff = mid, abs(sparsity - target_sparsity)
        if sparsity < target_sparsity:
            right = mid - 1
        else:
            left = mid + 1
    return best
