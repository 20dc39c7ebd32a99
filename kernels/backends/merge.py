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


def lse_check(lse: torch.Tensor, *, q: torch.Tensor, layout) -> None:
    """ValueError unless ``lse`` is a float32 ``[B, H, N]`` buffer on q's device and every head of the
    layout is sparse (full and skipped heads have no log-sum-exp here)."""
    if lse.dtype != torch.float32 or tuple(lse.shape) != tuple(q.shape[:3]) or lse.device != q.device:
        raise ValueError(
            f"lse must be float32 {tuple(q.shape[:3])} on {q.device}, got {lse.dtype} {tuple(lse.shape)}"
        )
    if layout.head_modes is not None and bool((layout.head_modes != 0).any()):
        raise ValueError("the log-sum-exp is only returned for layouts whose heads are all sparse")
