"""Slow float64 vertical-slash and FlexPrefill, written from the released code's description.

Independent of ``kernels.methods``: explicit loops over heads, query rows, diagonals and query
blocks. Each returns, per (batch, head, query block), the sorted key blocks and the sorted key-token
columns it attends to, as the references execute them: every 64 x 64 block that a kept diagonal
crosses, and every kept column up to the block's last query that no such block already holds.
"""

from __future__ import annotations

import math

import torch

Selection = dict[tuple[int, int, int], tuple[list[int], list[int]]]


def last_query_probs64(q: torch.Tensor, k: torch.Tensor, *, last: int) -> torch.Tensor:
    """float64 ``[B, H, last, N]``: causal softmax of the last ``last`` queries (self-attention)."""
    bsz, heads, n, d = q.shape
    group = heads // k.shape[1]
    out = torch.zeros(bsz, heads, last, n, dtype=torch.float64)
    for b in range(bsz):
        for h in range(heads):
            keys = k[b, h // group].double()
            for r in range(last):
                pos = n - last + r
                s = keys[: pos + 1] @ q[b, h, pos].double() / math.sqrt(d)
                out[b, h, r, : pos + 1] = torch.softmax(s, dim=0)
    return out


def column_and_diagonal_scores(p: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per key column the summed probability, and per offset o = query - key the summed diagonal."""
    bsz, heads, last, n = p.shape
    diag = torch.zeros(bsz, heads, n, dtype=torch.float64)
    for r in range(last):
        pos = n - last + r
        diag[..., : pos + 1] += p[..., r, : pos + 1].flip(-1)  # key pos - o for o = 0..pos
    return p.sum(2), diag


def top_indices(scores: torch.Tensor, count: int) -> list[int]:
    """The ``count`` highest entries of a 1-D tensor (ties by position), as a list."""
    ranked = sorted(range(len(scores)), key=lambda i: (-float(scores[i]), i))
    return sorted(ranked[:count])


def cover_count(scores: torch.Tensor, alpha: float) -> int:
    """FlexPrefill's budget: how many sorted (descending) shares have cumulative sum <= alpha, plus one."""
    share = scores / scores.sum()
    return int((torch.cumsum(torch.sort(share, descending=True).values, 0) <= alpha).sum()) + 1


def strips_selection(cols: dict, diags: dict, *, n: int, block: int) -> Selection:
    """Per (b, h, query block): blocks crossed by a kept diagonal, then kept columns outside them."""
    out: Selection = {}
    for (b, h), offsets in diags.items():
        for i in range(n // block):
            blocks = set()
            for o in offsets:
                for t in range(i * block, (i + 1) * block):
                    if t - o >= 0:
                        blocks.add((t - o) // block)
            last_q = (i + 1) * block - 1
            strips = [c for c in cols[(b, h)] if c <= last_q and c // block not in blocks]
            out[(b, h, i)] = (sorted(blocks), sorted(strips))
    return out


def slow_vertical_slash(q, k, *, last, n_vertical, n_slash, sink, local, block) -> Selection:
    """Vertical-slash: top ``n_vertical`` columns and ``n_slash`` diagonals, sinks and locals forced."""
    bsz, heads, n, _ = q.shape
    vertical, slash = column_and_diagonal_scores(last_query_probs64(q, k, last=last))
    cols, diags = {}, {}
    for b in range(bsz):
        for h in range(heads):
            v, s = vertical[b, h].clone(), slash[b, h].clone()
            v[:sink] = math.inf
            s[:local] = math.inf
            cols[(b, h)] = top_indices(v, min(n, max(n_vertical, sink)))
            diags[(b, h)] = top_indices(s, min(n, max(n_slash, local)))
    return strips_selection(cols, diags, n=n, block=block)


def slow_flexprefill(q, k, *, last, alpha, min_budget, sink, local, block) -> Selection:
    """FlexPrefill: per head the cover budgets (at least ``min_budget``), sinks and locals forced."""
    bsz, heads, n, _ = q.shape
    vertical, slash = column_and_diagonal_scores(last_query_probs64(q, k, last=last))
    cols, diags = {}, {}
    for b in range(bsz):
        for h in range(heads):
            v, s = vertical[b, h].clone() / last, slash[b, h].clone() / last
            n_cols = max(min(n, max(min_budget, cover_count(v, alpha))), min(n, sink))
            n_diag = max(min(n, max(min_budget, cover_count(s, alpha))), min(n, local))
            v[:sink] = math.inf
            s[:local] = math.inf
            cols[(b, h)] = top_indices(v, n_cols)
            diags[(b, h)] = top_indices(s, n_diag)
    return strips_selection(cols, diags, n=n, block=block)


def selection_densities(sel: Selection, *, n: int, block: int, heads: int) -> tuple[float, float]:
    """(FLOP-equivalent density over causal block pairs, Sparse Frontier's cell count over n(n+1)/2)."""
    n_b = n // block
    pairs = n_b * (n_b + 1) // 2
    blocks = sum(len(bl) for bl, _ in sel.values())
    strips = sum(len(st) for _, st in sel.values())
    flop = (blocks + strips / block) / (heads * pairs)
    cells = (blocks * block * block + strips * block) / (heads * n * (n + 1) / 2)
    return flop, cells
