"""Float64 dense references: masked attention and the exact meaning of a BlockLayout."""

from __future__ import annotations

import math

import torch

from kernels.layout import BlockLayout


def expand_kv_heads(*, x: torch.Tensor, heads: int) -> torch.Tensor:
    """Repeat key/value heads for grouped-query attention so they number ``heads``."""
    if x.shape[1] == heads:
        return x
    if heads % x.shape[1] != 0:
        raise ValueError(f"query heads {heads} not a multiple of key/value heads {x.shape[1]}")
    return x.repeat_interleave(heads // x.shape[1], dim=1)


def dense_attention_reference(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None = None
) -> torch.Tensor:
    """Softmax attention in float64 with a boolean keep-mask; rows with no kept key give zeros."""
    if q.dim() != 4 or k.dim() != 4 or v.dim() != 4:
        raise ValueError(
            f"q, k, v must be [B, H, N, d], got {tuple(q.shape)}, {tuple(k.shape)}, {tuple(v.shape)}"
        )
    q64 = q.double()
    k64 = expand_kv_heads(x=k.double(), heads=q.shape[1])
    v64 = expand_kv_heads(x=v.double(), heads=q.shape[1])
    scores = q64 @ k64.transpose(-1, -2) / math.sqrt(q.shape[-1])
    if mask is None:
        return torch.softmax(scores, dim=-1) @ v64
    mask = mask.to(q.device)
    if mask.dtype != torch.bool:
        raise ValueError(f"mask must be boolean, got {mask.dtype}")
    scores = scores.masked_fill(~mask, float("-inf"))
    row_max = scores.amax(dim=-1, keepdim=True)
    has_key = torch.isfinite(row_max)
    weights = torch.exp(scores - torch.where(has_key, row_max, torch.zeros_like(row_max)))
    denom = weights.sum(-1, keepdim=True)
    out = (weights @ v64) / torch.where(has_key, denom, torch.ones_like(denom))
    return torch.where(has_key, out, torch.zeros_like(out))


def layout_token_mask(
    layout: BlockLayout, *, level: int | None = None, original_order: bool = True
) -> torch.Tensor:
    """Boolean ``[B, H, q_len, kv_len]`` token mask of the layout (entries of one level, or all);
    key-token columns are level-1 entries."""
    b_q, b_k = layout.block_size
    lm = layout.level_map()
    blocks = lm > 0 if level is None else lm == level
    mask = blocks.repeat_interleave(b_q, dim=2).repeat_interleave(b_k, dim=3)
    if layout.has_columns and level in (None, 1):
        mask = mask | layout.column_mask().repeat_interleave(b_q, dim=2)
    if layout.causal:
        qpos = torch.arange(layout.q_len).view(-1, 1) + layout.kv_offset
        mask = mask & (torch.arange(layout.kv_len).view(1, -1) <= qpos)
    if original_order and layout.token_perm is not None:
        perm = layout.token_perm
        out = torch.zeros_like(mask)
        out[:, :, perm.view(-1, 1), perm.view(1, -1)] = mask
        return out
    return mask


def layout_attention_reference(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, layout: BlockLayout
) -> torch.Tensor:
    """What ``sparse_attention`` must compute, in float64: levels as pooled keys with bias (h-1) ln 2."""
    perm = layout.token_perm
    if perm is not None:
        q, k, v = (x[:, :, perm.to(x.device), :] for x in (q, k, v))
    top = layout.max_level()
    if top == 1:
        out = dense_attention_reference(q, k, v, layout_token_mask(layout, original_order=False))
    else:
        out = _pyramid_reference(q, k, v, layout, top)
    if perm is not None:
        inv = torch.argsort(perm).to(out.device)
        out = out[:, :, inv, :]
    return out


def _pyramid_reference(q, k, v, layout: BlockLayout, top: int) -> torch.Tensor:
    """Concatenate every level's pooled keys with its bias and mask, then one softmax."""
    heads = q.shape[1]
    q64 = q.double()
    k64 = expand_kv_heads(x=k.double(), heads=heads)
    v64 = expand_kv_heads(x=v.double(), heads=heads)
    b_q, b_k = layout.block_size
    lm = layout.level_map()
    logits, values = [], []
    for h in range(1, top + 1):
        pool = 2 ** (h - 1)
        kp = k64.unflatten(2, (-1, pool)).mean(3)
        vp = v64.unflatten(2, (-1, pool)).mean(3)
        block = (lm == h).repeat_interleave(b_q, dim=2).repeat_interleave(b_k // pool, dim=3)
        s = q64 @ kp.transpose(-1, -2) / math.sqrt(q.shape[-1]) + (h - 1) * math.log(2.0)
        logits.append(s.masked_fill(~block.to(s.device), float("-inf")))
        values.append(vp)
    scores = torch.cat(logits, dim=-1)
    vals = torch.cat(values, dim=2)
    row_max = scores.amax(-1, keepdim=True)
    has_key = torch.isfinite(row_max)
    w = torch.exp(scores - torch.where(has_key, row_max, torch.zeros_like(row_max)))
    denom = w.sum(-1, keepdim=True)
    out = (w @ vals) / torch.where(has_key, denom, torch.ones_like(denom))
    return torch.where(has_key, out, torch.zeros_like(out))
