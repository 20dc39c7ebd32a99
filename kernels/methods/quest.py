"""Quest decode-time page selection: per-page key min/max bounds, top pages plus the current page."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from kernels.layout import BlockLayout


@dataclass(frozen=True)
class QuestParams:
    """Keep ``token_budget // page_size`` pages by upper-bound score (current page always kept)."""

    page_size: int = 16
    token_budget: int = 1024

    def __post_init__(self):
        """Check sizes."""
        if self.page_size < 1 or self.token_budget < self.page_size:
            raise ValueError(f"need page_size >= 1 and token_budget >= page_size: {self}")


def quest_page_scores(q: torch.Tensor, k: torch.Tensor, *, page_size: int) -> torch.Tensor:
    """Upper bounds sum_d max(q_d min_d, q_d max_d), summed over the decode queries and the GQA group:
    ``[B, H_kv, n_pages]``."""
    bsz, heads, _, d = q.shape
    kv_heads, n = k.shape[1], k.shape[2]
    if n % page_size:
        raise ValueError(f"cache length {n} must be a multiple of page_size {page_size}")
    pages = k.float().view(bsz, kv_heads, n // page_size, page_size, d)
    kmin, kmax = pages.amin(3), pages.amax(3)
    qg = q.float().view(bsz, kv_heads, heads // kv_heads, q.shape[2], 1, d)
    bound = torch.maximum(qg * kmin.unsqueeze(2).unsqueeze(2), qg * kmax.unsqueeze(2).unsqueeze(2)).sum(-1)
    return bound.sum(dim=(2, 3))


def quest_build_layout(q: torch.Tensor, k: torch.Tensor, params: QuestParams) -> BlockLayout:
    """Layout for decode queries q ``[B, H, L, d]`` (the last L positions) over the cache k
    ``[B, H_kv, N, d]``: one query block of L tokens, key blocks = pages, causal among the last L."""
    scores = quest_page_scores(q, k, page_size=params.page_size).cpu()
    bsz, kv_heads, n_pages = scores.shape
    scores[..., -1] = float("inf")
    count = min(n_pages, max(1, params.token_budget // params.page_size))
    keep = torch.zeros_like(scores, dtype=torch.bool)
    keep.scatter_(-1, torch.topk(scores, count, dim=-1).indices, True)
    keep = keep.repeat_interleave(q.shape[1] // kv_heads, dim=1).unsqueeze(2)
    q_len = q.shape[2]
    return BlockLayout.from_block_mask(
        keep, block_size=(q_len, params.page_size), causal=True, kv_offset=k.shape[2] - q_len
    )
