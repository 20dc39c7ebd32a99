"""Helpers shared by the GPU backends: block lists, pooled levels and the exact log-sum-exp merge."""

from __future__ import annotations

import torch


def mask_to_block_lists(keep: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Boolean [B, H, n_q, n_k] block mask to FlexAttention-style (kv_num_blocks, kv_indices) int32."""
    num = keep.sum(-1).to(torch.int32)
    idx = torch.sort((~keep).to(torch.int8), dim=-1, stable=True).indices.to(torch.int32)
    return num, idx


def lse_merge(
    out: torch.Tensor, lse: torch.Tensor, part: torch.Tensor, part_lse: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Merge two softmax-normalised partial attentions over disjoint keys by their natural-log lse.

    ``out``/``part`` are ``[..., N, d]`` outputs, ``lse``/``part_lse`` float32 ``[..., N]``; rows
    where both lse are -inf (no key at all) stay zero.
    """
    new = torch.logaddexp(lse, part_lse)
    safe = torch.where(torch.isfinite(new), new, torch.zeros_like(new))
    a = torch.exp(lse - safe).unsqueeze(-1).to(out.dtype)
    b = torch.exp(part_lse - safe).unsqueeze(-1).to(part.dtype)
    return out * a + part * b, new


def level_pooled(k: torch.Tensor, v: torch.Tensor, level: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Keys and values ``[B, H, N, d]`` of pyramid ``level``: mean-pooled over 2**(level-1) tokens."""
    pool = 2 ** (level - 1)
    if pool == 1:
        return k, v
    return k.unflatten(2, (-1, pool)).mean(3), v.unflatten(2, (-1, pool)).mean(3)
