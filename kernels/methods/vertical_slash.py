"""Vertical-slash (MInference) prefill sparsity: top key columns as strips, top diagonals as blocks."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from kernels.backends.scratch import scratch_buffer
from kernels.layout import BlockLayout
from kernels.methods.common import last_query_probs, values_text
from kernels.methods.vertical_slash_layout import COLUMN_FORMS, columns_and_diagonals_layout


@dataclass(frozen=True)
class VerticalSlashParams:
    """Estimate from the last ``last_queries`` queries; keep ``n_vertical`` key columns and ``n_slash``
    diagonals (token counts), with the first ``sink_tokens`` columns and ``local_tokens`` nearest
    diagonals forced; executed causally, diagonals as ``block_size`` blocks and columns as key-token
    strips (``columns="blocks"``: our earlier variant, each kept column's whole key block).

    The defaults are Sparse Frontier's (vertical_and_slash.yaml, and MInference's kernel: the first 4
    columns and the 64 nearest diagonals forced)."""

    block_size: int = 64
    last_queries: int = 256
    n_vertical: int = 512
    n_slash: int = 512
    sink_tokens: int = 4
    local_tokens: int = 64
    columns: str = "strips"

    def __post_init__(self):
        """Check sizes."""
        if min(self.block_size, self.last_queries, self.n_vertical, self.n_slash) < 1:
            got = values_text(self, "block_size", "last_queries", "n_vertical", "n_slash")
            raise ValueError(f"sizes must be positive (got {got})")
        if min(self.sink_tokens, self.local_tokens) < 0:
            got = values_text(self, "sink_tokens", "local_tokens")
            raise ValueError(f"sink_tokens and local_tokens must be >= 0 (got {got})")
        if self.columns not in COLUMN_FORMS:
            raise ValueError(f"columns must be one of {COLUMN_FORMS}, got {self.columns!r}")


def vertical_slash_scores(
    q: torch.Tensor, k: torch.Tensor, *, last: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Column scores ``[B, H, N_k]`` and diagonal scores ``[B, H, N_k]`` (offset = query pos - key pos)."""
    p = last_query_probs(q=q, k=k, last=last, causal=True)
    return p.sum(2), diagonal_sums(p)


def diagonal_sums(p: torch.Tensor) -> torch.Tensor:
    """Per offset o = query pos - key pos, the sum of ``p[..., i, j]`` over the diagonal (``[B, H, N_k]``).

    Row i of the last ``a`` queries sits at key position N_k - a + i. Copied into a zeroed buffer of
    rows N_k + a wide, row i shifted right by a - 1 - i, every diagonal becomes one column
    (column c holds offset N_k - 1 - c), so a column sum gives every diagonal at once. Entries of
    negative offset (future keys) fall in columns past N_k - 1 and are dropped; causal
    probabilities are zero there.
    """
    bsz, heads, a, n_k = p.shape
    width = n_k + a
    skewed = scratch_buffer(
        key="diagonal_sums", numel=bsz * heads * a * width, dtype=p.dtype, device=p.device
    )
    skewed.zero_()
    strides = (heads * a * width, a * width, width - 1, 1)
    rows = skewed.as_strided((bsz, heads, a, n_k), strides, skewed.storage_offset() + a - 1)
    rows.copy_(p)
    return skewed.view(bsz, heads, a, width).sum(2)[..., :n_k].flip(-1)


def vertical_slash_build_layout(q: torch.Tensor, k: torch.Tensor, params: VerticalSlashParams) -> BlockLayout:
    """Vertical-slash layout for causal prefill of q ``[B, H, N, d]`` over k ``[B, H_kv, N_k, d]``."""
    vertical, slash = vertical_slash_scores(q, k, last=params.last_queries)
    vertical = vertical.cpu()
    slash = slash.cpu()
    vertical[..., : params.sink_tokens] = float("inf")
    slash[..., : params.local_tokens] = float("inf")
    n_k = k.shape[2]
    cols = _top(vertical, min(n_k, max(params.n_vertical, params.sink_tokens)))
    diags = _top(slash, min(n_k, max(params.n_slash, params.local_tokens)))
    return columns_and_diagonals_layout(
        cols, diags, block=params.block_size, q_len=q.shape[2], columns=params.columns
    )


def _top(scores: torch.Tensor, count: int) -> torch.Tensor:
    """Boolean mask of the ``count`` highest entries per row."""
    out = torch.zeros_like(scores, dtype=torch.bool)
    out.scatter_(-1, torch.topk(scores, count, dim=-1).indices, True)
    return out
