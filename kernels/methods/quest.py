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


@dataclass(frozen=True)
class QuestBounds:
    """Element-wise key minimum and maximum per page, ``[B, H_kv, n_pages, d]``: the metadata Quest
    keeps beside the cache and updates as pages fill, not recomputed at every decode step."""

    kmin: torch.Tensor
    kmax: torch.Tensor
    page_size: int


def quest_page_bounds(k: torch.Tensor, *, page_size: int) -> QuestBounds:
    """The page bounds of the cache k ``[B, H_kv, N, d]`` (N a multiple of ``page_size``)."""
    bsz, kv_heads, n, d = k.shape
    if n % page_size:
        raise ValueError(f"cache length {n} must be a multiple of page_size {page_size}")
    pages = k.float().view(bsz, kv_heads, n // page_size, page_size, d)
    return QuestBounds(kmin=pages.amin(3), kmax=pages.amax(3), page_size=page_size)


def quest_page_scores(
    q: torch.Tensor, k: torch.Tensor, *, page_size: int, bounds: QuestBounds | None = None
) -> torch.Tensor:
    """Upper bounds sum_d max(q_d min_d, q_d max_d), summed over the decode queries and the GQA group:
    ``[B, H_kv, n_pages]``.

    max(q_d min_d, q_d max_d) is q_d max_d where q_d >= 0 and q_d min_d elsewhere, so the sum is
    linear in the positive and negative parts of q: they are summed over the queries first, and the
    scores are two matrix-vector products with the page bounds (``bounds``, else computed from k).
    """
    if bounds is None:
        bounds = quest_page_bounds(k, page_size=page_size)
    elif bounds.page_size != page_size or bounds.kmax.shape[:3] != (*k.shape[:2], k.shape[2] // page_size):
        raise ValueError(
            f"bounds of pages of {bounds.page_size} do not fit this cache and page_size {page_size}"
        )
    bsz, heads, _, d = q.shape
    kv_heads = k.shape[1]
    qg = q.float().view(bsz, kv_heads, heads // kv_heads, q.shape[2], d)
    positive = qg.clamp_min(0).sum(dim=(2, 3)).unsqueeze(-1)  # [B, H_kv, d, 1]
    negative = qg.clamp_max(0).sum(dim=(2, 3)).unsqueeze(-1)
    return (bounds.kmax @ positive + bounds.kmin @ negative).squeeze(-1)


def quest_build_layout(
    q: torch.Tensor, k: torch.Tensor, params: QuestParams, *, bounds: QuestBounds | None = None
) -> BlockLayout:
    """Layout for decode queries q ``[B, H, L, d]`` (the last L positions) over the cache k
    ``[B, H_kv, N, d]``: one query block of L tokens, key blocks = pages, causal among the last L.
    ``bounds``: the cache's page bounds when kept with it (``quest_page_bounds``)."""
    scores = quest_page_scores(q, k, page_size=params.page_size, bounds=bounds).cpu()
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
