"""Quest decode-time page selection: per-page key min/max bounds, top pages plus the current page.

As the Sparse Frontier's Quest: at every decode step the one new query scores the complete pages
before the current one, keeps the best ``token_budget // page_size`` of them (the reference takes
the top ``budget/16 + 1`` and replaces the last by the current page) and attends over those pages
plus the current page up to itself. ``quest_build_layout`` is the named multi-query variant: one
selection shared by a block of decode queries (a layout for the block-sparse backends).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from kernels.layout import BlockLayout
from kernels.methods.common import values_text


@dataclass(frozen=True)
class QuestParams:
    """Keep ``token_budget // page_size`` complete pages by upper-bound score, plus the current page."""

    page_size: int = 16
    token_budget: int = 1024

    def __post_init__(self):
        """Check sizes."""
        if self.page_size < 1 or self.token_budget < self.page_size:
            got = values_text(self, "page_size", "token_budget")
            raise ValueError(f"need page_size >= 1 and token_budget >= page_size (got {got})")


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
    ``[B, H_kv, N, d]``: one query block of L tokens, key blocks = pages, causal among the last L; the
    last page and the ``token_budget // page_size`` best others, one selection for all L queries (the
    multi-query variant; the harness serves Quest step by step with ``quest_step_select``).
    ``bounds``: the cache's page bounds when kept with it (``quest_page_bounds``)."""
    scores = quest_page_scores(q, k, page_size=params.page_size, bounds=bounds).cpu()
    bsz, kv_heads, n_pages = scores.shape
    scores[..., -1] = float("inf")
    count = min(n_pages, params.token_budget // params.page_size + 1)
    keep = torch.zeros_like(scores, dtype=torch.bool)
    keep.scatter_(-1, torch.topk(scores, count, dim=-1).indices, True)
    keep = keep.repeat_interleave(q.shape[1] // kv_heads, dim=1).unsqueeze(2)
    q_len = q.shape[2]
    return BlockLayout.from_block_mask(
        keep, block_size=(q_len, params.page_size), causal=True, kv_offset=k.shape[2] - q_len
    )


def quest_step_select(
    q_step: torch.Tensor, bounds: QuestBounds, *, position: int, params: QuestParams
) -> torch.Tensor:
    """Pages ``[B, H_kv, budget_pages + 1]`` one decode query q_step ``[B, H, 1, d]`` at ``position``
    attends to: the best ``token_budget // page_size`` complete pages before the current page (scores
    summed over the GQA group), then the current page ``position // page_size`` last. A cache of no
    more complete pages than the budget keeps them all (the reference asserts it never happens)."""
    if bounds.page_size != params.page_size:
        raise ValueError(f"bounds of pages of {bounds.page_size} for page_size {params.page_size}")
    current = position // params.page_size
    budget = params.token_budget // params.page_size
    if current > bounds.kmax.shape[2]:
        raise ValueError(f"position {position}: the bounds cover only {bounds.kmax.shape[2]} pages")
    bsz, heads, _, d = q_step.shape
    kv_heads = bounds.kmax.shape[1]
    qg = q_step.float().view(bsz, kv_heads, heads // kv_heads, d)
    positive = qg.clamp_min(0).sum(2).unsqueeze(-1)  # [B, H_kv, d, 1]
    negative = qg.clamp_max(0).sum(2).unsqueeze(-1)
    scores = (bounds.kmax[:, :, :current] @ positive + bounds.kmin[:, :, :current] @ negative).squeeze(-1)
    best = torch.topk(scores, min(budget, current), dim=-1).indices
    return torch.cat([best, torch.full_like(best[..., :1], current)], dim=-1)


def quest_step_tokens(pages: torch.Tensor, *, position: int, page_size: int) -> torch.Tensor:
    """Token positions ``[B, H_kv, T]`` of the selected pages, the current (last) page cut at ``position``."""
    offsets = torch.arange(page_size, device=pages.device)
    full = (pages[..., :-1, None] * page_size + offsets).flatten(-2)
    current = pages[..., -1:] * page_size + offsets[: position % page_size + 1]
    return torch.cat([full, current], dim=-1)


def quest_step_attention(
    q_step: torch.Tensor, k: torch.Tensor, v: torch.Tensor, tokens: torch.Tensor
) -> torch.Tensor:
    """One decode query q_step ``[B, H, 1, d]`` over the cache tokens ``tokens`` ``[B, H_kv, T]`` of
    k, v ``[B, H_kv, N, d]`` (gathered per KV head, as a paged kernel reads its block table)."""
    ks, vs = _gathered(k, tokens), _gathered(v, tokens)
    return F.scaled_dot_product_attention(q_step, ks, vs, enable_gqa=q_step.shape[1] != k.shape[1])


def _gathered(x: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
    """The rows ``tokens`` ``[B, H_kv, T]`` of each KV head of x ``[B, H_kv, N, d]``: one index_select over
    the flattened heads when x is contiguous, else one per head (a cache view inside a larger buffer would
    otherwise be copied whole at every step)."""
    bsz, kv_heads, n, d = x.shape
    tokens = tokens.to(x.device)
    if x.is_contiguous():
        rows = torch.arange(bsz * kv_heads, device=x.device).view(bsz, kv_heads, 1) * n
        return x.reshape(-1, d).index_select(0, (tokens + rows).flatten()).view(bsz, kv_heads, -1, d)
    return torch.stack([torch.stack([x[b, h].index_select(0, tokens[b, h]) for h in range(kv_heads)])
                        for b in range(bsz)])  # fmt: skip
