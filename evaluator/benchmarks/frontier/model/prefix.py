"""Exact causal attention of heads whose query is the same at every position, in O(N x block) per head.

A third of the wired model's heads (sinks, verticals, the task-gate and flag heads) have a query made of
its bias alone and no rotary part: the same q at every position, so row i's scores are the first i + 1
of one score vector s = K q. Causal softmax attention is then a prefix of one softmax: row i's output is
sum_{j<=i} e^(s_j - r_i) v_j / sum_{j<=i} e^(s_j - r_i), with r_i the largest of s_0..s_i. Keys are cut
into blocks; each block's exponentials are summed once against its own maximum, earlier blocks enter a
row through those sums (rescaled to the row's maximum), and the row's own block through a block x block
causal matrix. Every exponent is <= 0 and the row's largest term is 1, as in flash attention; the output
equals dense softmax attention up to float32 rounding (tests compare with float64).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

#: Keys per block of the prefix computation: each row's own block costs block x d multiply-adds.
PREFIX_BLOCK = 64


def constant_query_heads(q: torch.Tensor) -> torch.Tensor:
    """Per query head of q [B, H, N, d]: whether every position of every batch row holds the first's query."""
    return (q == q[:, :, :1]).flatten(2).all(dim=-1).all(dim=0)


def prefix_attention(
    q_row: torch.Tensor, k: torch.Tensor, v: torch.Tensor, *, scale: float, block: int = PREFIX_BLOCK
) -> torch.Tensor:
    """Causal softmax attention [G, N, d] of one query q_row [G, d] (every position's) over k, v [G, N, d]."""
    g, n, d = k.shape
    pad = -(-n // block) * block - n
    scores = F.pad((k @ q_row.unsqueeze(-1)).squeeze(-1) * scale, (0, pad), value=float("-inf"))
    blocks = n // block + (pad > 0)
    s = scores.view(g, blocks, block)
    vb = F.pad(v, (0, 0, 0, pad)).view(g, blocks, block, d)
    top = s.amax(dim=-1)  # each block's largest score [G, nb]
    e = torch.exp(s - top.unsqueeze(-1))
    sums, norms = torch.einsum("gbl,gbld->gbd", e, vb), e.sum(dim=-1)
    # the largest score of the blocks before each block (-inf before the first)
    before = F.pad(torch.cummax(top, dim=-1).values[:, :-1], (1, 0), value=float("-inf"))
    earlier = torch.ones(blocks, blocks, dtype=torch.bool, device=k.device).tril(-1)
    weights = torch.exp((top.unsqueeze(1) - before.unsqueeze(2)).masked_fill(~earlier, float("-inf")))
    carried, carried_norm = weights @ sums, (weights * norms.unsqueeze(1)).sum(-1)  # rescaled to `before`
    row_max = torch.maximum(torch.cummax(s, dim=-1).values, before.unsqueeze(-1))  # [G, nb, block]
    own = torch.ones(block, block, dtype=torch.bool, device=k.device).tril()
    within = torch.exp((s.unsqueeze(2) - row_max.unsqueeze(-1)).masked_fill(~own, float("-inf")))
    shift = torch.exp(before.unsqueeze(-1) - row_max)  # earlier blocks' sums to the row's maximum
    num = within @ vb + shift.unsqueeze(-1) * carried.unsqueeze(2)
    den = within.sum(dim=-1) + shift * carried_norm.unsqueeze(-1)
    return (num / den.unsqueeze(-1)).view(g, blocks * block, d)[:, :n]
