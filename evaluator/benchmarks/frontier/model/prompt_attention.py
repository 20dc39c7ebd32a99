"""Dense causal attention of a prompt, each head by the cheapest exact route its structure allows.

Heads whose query is the same at every position go through one prefix softmax (`prefix.py`), fixed-offset
heads through the band of keys their softmax can reach (`band.py`), every other head through PyTorch's
SDPA, one KV group at a time. Each structure is proved on the tensors, so any model may come through.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .band import band_attention, band_width
from .prefix import constant_query_heads, prefix_attention


def _sdpa(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Causal SDPA of query heads q [B, h, N, d] over one KV head k, v [B, 1, N, d]."""
    return F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=q.shape[1] > 1)


def causal_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Dense causal attention of a prompt, q [B, Hq, N, d] over k, v [B, Hkv, N, d] (GQA)."""
    bsz, heads, n, d = q.shape
    group = heads // k.shape[1]
    constant = constant_query_heads(q).tolist()
    widths = [0 if constant[h] else band_width(q[:, h], k[:, h // group]) for h in range(heads)]
    if not any(constant) and not any(widths):
        return F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=group > 1)
    out = q.new_empty(q.shape)
    for kv in range(k.shape[1]):
        members = range(kv * group, (kv + 1) * group)
        kg, vg = k[:, kv : kv + 1], v[:, kv : kv + 1]
        dense = [h for h in members if not constant[h] and not widths[h]]
        if dense:
            out[:, dense] = _sdpa(q[:, dense], kg, vg)
        fixed = [h for h in members if constant[h]]
        if fixed:
            rows = q[:, fixed, 0].reshape(-1, d)  # [B * len(fixed), d]
            keys = kg.expand(bsz, len(fixed), n, d).reshape(-1, n, d)
            values = vg.expand(bsz, len(fixed), n, d).reshape(-1, n, d)
            out[:, fixed] = prefix_attention(rows, keys, values, scale=d**-0.5).view(bsz, len(fixed), n, d)
        for h in members:
            if widths[h]:
                out[:, h] = band_attention(q[:, h], kg[:, 0], vg[:, 0], width=widths[h])
    return out
