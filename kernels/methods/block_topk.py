"""Block top-k prefill sparsity on mean-pooled queries and keys (sink, diagonal and previous block kept)."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from kernels.layout import BlockLayout
from kernels.methods.common import self_attention_length_check, topk_mask


@dataclass(frozen=True)
class BlockTopkParams:
    """Per query block keep the ``top_k`` visible key blocks by pooled score, plus the first (sink),
    diagonal and previous blocks; causal unless ``causal`` is False."""

    block_size: int = 64
    top_k: int = 8
    causal: bool = True

    def __post_init__(self):
        """Check sizes."""
        if self.block_size < 1 or self.top_k < 0:
            raise ValueError(f"block_size must be >= 1 and top_k >= 0: {self}")


def block_topk_build_layout(q: torch.Tensor, k: torch.Tensor, params: BlockTopkParams) -> BlockLayout:
    """Block top-k layout for self-attention of q ``[B, H, N, d]`` over k ``[B, H_kv, N, d]``."""
    b = params.block_size
    self_attention_length_check(q, k, block=b)
    if k.shape[1] != q.shape[1]:
        k = k.repeat_interleave(q.shape[1] // k.shape[1], dim=1)
    qp = q.float().unflatten(2, (-1, b)).mean(3)
    kp = k.float().unflatten(2, (-1, b)).mean(3)
    scores = (qp @ kp.transpose(-1, -2)).cpu()
    n_b = scores.shape[-1]
    i = torch.arange(n_b).view(-1, 1)
    j = torch.arange(n_b).view(1, -1)
    visible = j <= i if params.causal else torch.ones(n_b, n_b, dtype=torch.bool)
    scores = scores.masked_fill(~visible, float("-inf"))
    counts = torch.minimum(torch.full((n_b,), params.top_k), visible.sum(-1)).expand(scores.shape[:-1])
    keep = topk_mask(scores=scores, counts=counts.contiguous())
    forced = (j == 0) | (j == i) | (j == i - 1)
    keep = (keep | forced) & visible
    return BlockLayout.from_block_mask(keep, block_size=(b, b), causal=params.causal)
