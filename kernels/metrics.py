"""Harness measurements that never trust the method: density, output error, attention-mass recall."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from kernels.layout import BlockLayout, causal_block_mask
from kernels.reference import expand_kv_heads


@dataclass(frozen=True)
class AttentionError:
    """Distance of an attention output from the dense reference (computed in float64)."""

    rel_l2: float
    cosine: float
    rel_l1: float
    max_abs: float


def attention_error(out: torch.Tensor, ref: torch.Tensor) -> AttentionError:
    """Relative L2, cosine similarity, relative L1 and max abs difference of ``out`` against ``ref``."""
    if out.shape != ref.shape:
        raise ValueError(f"out shape {tuple(out.shape)} != ref shape {tuple(ref.shape)}")
    a = out.detach().double().flatten().cpu()
    b = ref.detach().double().flatten().cpu()
    if not bool(torch.isfinite(a).all()):
        raise ValueError("out contains non-finite values")
    diff = a - b
    ref_l2 = float(b.norm())
    ref_l1 = float(b.abs().sum())
    denom = float(a.norm()) * ref_l2
    return AttentionError(
        rel_l2=float(diff.norm()) / ref_l2 if ref_l2 > 0 else float(diff.norm()),
        cosine=float(a @ b) / denom if denom > 0 else float(float(a.norm()) == ref_l2),
        rel_l1=float(diff.abs().sum()) / ref_l1 if ref_l1 > 0 else float(diff.abs().sum()),
        max_abs=float(diff.abs().max()) if diff.numel() else 0.0,
    )


def layout_density(layout: BlockLayout) -> float:
    """FLOP-equivalent fraction of dense attention the layout executes (level h costs 2**-(h-1)).

    The denominator is every (query block, key block) pair, or with ``causal`` every pair holding
    at least one visible token; full heads count all of them and skipped heads none. Each executed
    tile counts whole (the kernels compute it, then mask); a key-token column counts ``1 / b_k``
    of a block (a ``b_q x 1`` strip).
    """
    lm = layout.level_map().to(torch.float64)
    cost = torch.where(lm > 0, torch.pow(2.0, -(lm - 1)), torch.zeros_like(lm)).sum()
    if layout.has_columns:
        cost = cost + float(layout.column_mask().sum()) / layout.block_size[1]
    bsz, heads, n_q, n_k = layout.shape
    if layout.causal:
        per_head = float(
            causal_block_mask(n_q, n_k, block_size=layout.block_size, kv_offset=layout.kv_offset).sum()
        )
    else:
        per_head = float(n_q * n_k)
    return float(cost) / (bsz * heads * per_head)


def reference_density(layout: BlockLayout) -> float:
    """Sparse Frontier's count: ``b_q * b_k`` cells per executed block plus ``b_q`` per column, over
    the causal cells (``L (L + 1) / 2`` for causal self-attention; every cell when not causal).

    Pooled levels count at their cost, like ``layout_density``; the mean over batch and heads.
    """
    b_q, b_k = layout.block_size
    lm = layout.level_map().to(torch.float64)
    cells = torch.where(lm > 0, torch.pow(2.0, -(lm - 1)), torch.zeros_like(lm)).sum() * b_q * b_k
    if layout.has_columns:
        cells = cells + float(layout.column_mask().sum()) * b_q
    bsz, heads = layout.shape[:2]
    if layout.causal:
        visible = torch.arange(layout.q_len, dtype=torch.float64) + layout.kv_offset + 1
        visible = visible.clamp(0, layout.kv_len)
        per_head = float(visible.sum())
    else:
        per_head = float(layout.q_len * layout.kv_len)
    return float(cells) / (bsz * heads * per_head)


def mass_recall(q: torch.Tensor, k: torch.Tensor, layout: BlockLayout, *, chunk_blocks: int = 4) -> float:
    """Mean over query tokens of the dense softmax mass on executed blocks (any level) and columns."""
    if chunk_blocks < 1:
        raise ValueError(f"chunk_blocks must be >= 1, got {chunk_blocks}")
    bsz, heads, n_q, n_k = layout.shape
    if q.shape[:3] != (bsz, heads, layout.q_len) or k.shape[2] != layout.kv_len:
        raise ValueError(f"q {tuple(q.shape)} / k {tuple(k.shape)} do not match the layout {layout.shape}")
    if layout.token_perm is not None:
        perm = layout.token_perm.to(q.device)
        q, k = q[:, :, perm, :], k[:, :, perm, :]
    k = expand_kv_heads(x=k, heads=heads).float()
    q = q.float()
    b_q, b_k = layout.block_size
    kept = layout.block_mask().to(q.device)
    columns = layout.column_mask().to(q.device) if layout.has_columns else None
    scale = 1.0 / math.sqrt(q.shape[-1])
    kpos = torch.arange(layout.kv_len, device=q.device)
    total = torch.zeros((), dtype=torch.float64)
    for start in range(0, n_q, chunk_blocks):
        stop = min(n_q, start + chunk_blocks)
        s = (q[:, :, start * b_q : stop * b_q] @ k.transpose(-1, -2)) * scale
        if layout.causal:
            qpos = torch.arange(start * b_q, stop * b_q, device=q.device) + layout.kv_offset
            s = s.masked_fill(kpos.view(1, -1) > qpos.view(-1, 1), float("-inf"))
        p_tok = torch.softmax(s, dim=-1)
        p = p_tok.unflatten(-1, (n_k, b_k)).sum(-1).unflatten(2, (stop - start, b_q))
        keep = kept[:, :, start:stop].unsqueeze(3)
        total += (p * keep).sum().double().cpu()
        if columns is not None:
            p_tok = p_tok.unflatten(2, (stop - start, b_q))
            total += (p_tok * columns[:, :, start:stop].unsqueeze(3)).sum().double().cpu()
    return float(total) / (bsz * heads * layout.q_len)
