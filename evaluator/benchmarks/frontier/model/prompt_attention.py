"""Dense causal attention of a prompt, each head by the cheapest exact route its structure allows.

Heads whose query is the same at every position go through one prefix softmax (`prefix.py`), fixed-offset
heads through the band of keys their softmax can reach (`band.py`) or, when that band is too broad, one
convolution (`conv.py`); heads with few distinct queries through a prefix softmax per query
(`distinct.py`); every other head through PyTorch's SDPA, one KV group at a time. Each structure is
proved on the tensors, so any model may come through.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .band import band_attention, offset_profile, profile_width
from .conv import conv_attention, conv_ready
from .distinct import distinct_attention, distinct_queries
from .prefix import constant_query_heads, prefix_attention


@dataclass(frozen=True)
class HeadRoute:
    """How one query head is computed: `kind` prefix, band (its `width`), conv (its distance `profile`),
    distinct (per batch row, its distinct queries and each position's index) or sdpa."""

    kind: str
    width: int = 0
    profile: torch.Tensor | None = None
    distinct: tuple[tuple[torch.Tensor, torch.Tensor], ...] = ()


def head_route(q: torch.Tensor, k: torch.Tensor, *, constant: bool) -> HeadRoute:
    """The route of one query head q [B, N, d] over its KV head k [B, N, d]."""
    if constant:
        return HeadRoute(kind="prefix")
    profile = offset_profile(q, k)
    if profile is not None:
        width = profile_width(profile)
        if width:
            return HeadRoute(kind="band", width=width)
        if conv_ready(profile):
            return HeadRoute(kind="conv", profile=profile)
    rows = []
    for b in range(q.shape[0]):
        rows.append(distinct_queries(q[b]))
        if rows[-1] is None:
            return HeadRoute(kind="sdpa")
    return HeadRoute(kind="distinct", distinct=tuple(rows))


def prompt_routes(q: torch.Tensor, k: torch.Tensor) -> list[HeadRoute]:
    """Each query head's route, q [B, Hq, N, d] over k [B, Hkv, N, d] (GQA)."""
    group = q.shape[1] // k.shape[1]
    constant = constant_query_heads(q).tolist()
    return [head_route(q[:, h], k[:, h // group], constant=constant[h]) for h in range(q.shape[1])]


def _sdpa(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Causal SDPA of query heads q [B, h, N, d] over one KV head k, v [B, 1, N, d]."""
    return F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=q.shape[1] > 1)


def causal_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Dense causal attention of a prompt, q [B, Hq, N, d] over k, v [B, Hkv, N, d] (GQA)."""
    bsz, heads, n, d = q.shape
    group = heads // k.shape[1]
    routes = prompt_routes(q, k)
    if all(r.kind == "sdpa" for r in routes):
        return F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=group > 1)
    out = q.new_empty(q.shape)
    for kv in range(k.shape[1]):
        members = range(kv * group, (kv + 1) * group)
        kg, vg = k[:, kv : kv + 1], v[:, kv : kv + 1]
        dense = [h for h in members if routes[h].kind == "sdpa"]
        if dense:
            out[:, dense] = _sdpa(q[:, dense], kg, vg)
        fixed = [h for h in members if routes[h].kind == "prefix"]
        if fixed:
            rows = q[:, fixed, 0].reshape(-1, d)  # [B * len(fixed), d]
            keys = kg.expand(bsz, len(fixed), n, d).reshape(-1, n, d)
            values = vg.expand(bsz, len(fixed), n, d).reshape(-1, n, d)
            out[:, fixed] = prefix_attention(rows, keys, values, scale=d**-0.5).view(bsz, len(fixed), n, d)
        for h in members:
            route = routes[h]
            if route.kind == "band":
                out[:, h] = band_attention(q[:, h], kg[:, 0], vg[:, 0], width=route.width)
            elif route.kind == "conv":
                out[:, h] = conv_attention(route.profile, vg[:, 0])
            elif route.kind == "distinct":
                for b, (distinct, inverse) in enumerate(route.distinct):
                    out[b, h] = distinct_attention(distinct, inverse, kg[b, 0], vg[b, 0], scale=d**-0.5)
    return out
