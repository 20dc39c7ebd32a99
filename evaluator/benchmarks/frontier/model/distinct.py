"""Exact causal attention of heads with few distinct queries, in O(N x (U + block)) per head.

Some of the wired model's heads (the common-word count, memory and pick heads; layer 0's self-count head
in a prompt of few distinct words) read dimensions of the residual stream that take only a handful of
values over a prompt: their query rows repeat. Rows sharing a query share one score vector s_u = K q_u,
so each row's causal softmax is a prefix of its query's row, as for a constant query (`prefix.py`), here
with U prefixes instead of one. Keys are cut into blocks; each distinct query's block sums (against the
block's own maximum) are carried forward by a scan over the blocks, rescaled to the running maximum; a row
adds its own block through a block x block causal product of its query's scores. Every exponent is <= 0
and a row's largest term is 1, as in flash attention; the output equals dense softmax attention up to
float32 rounding.
"""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F

from .prefix import PREFIX_BLOCK

#: A head takes this route when its distinct queries number at most N / DISTINCT_SHARE (each distinct
#: query costs about two passes over the keys, a row of dense causal attention about N / 2 keys).
DISTINCT_SHARE = 16


@functools.lru_cache(maxsize=4)
def _key_weights(d: int, device: torch.device) -> torch.Tensor:
    """The fixed random weights [d] (int64, below 2^20) of `_row_keys`, made once per width and device."""
    return torch.randint(1, 1 << 20, (d,), generator=torch.Generator().manual_seed(0)).to(device)


def _row_keys(q: torch.Tensor) -> torch.Tensor:
    """A grouping key per row of q [N, d] (int64): its float32 bits weighed by fixed random weights below 2^20
    (no overflow up to d = 2048), so that equal rows get equal keys and different rows rarely share one."""
    weights = _key_weights(q.shape[-1], q.device)
    bits = (q.float() + 0.0).contiguous().view(torch.int32).long()  # + 0.0: -0.0 becomes 0.0, an equal value
    return (bits * weights).sum(dim=-1)


def distinct_queries(q: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor] | None:
    """(distinct rows [U, d], each position's row index [N]) of one head's queries q [N, d], or None when
    there are more than N / DISTINCT_SHARE of them.

    Rows are grouped by `_row_keys` (equal rows share a key, so the keys number at most the rows), and the
    grouping is then checked bitwise: each position's query must equal its group's first; two different
    rows sharing a key fall back to sorting the rows themselves."""
    n = q.shape[0]
    keys, inverse = torch.unique(_row_keys(q), return_inverse=True)
    if keys.numel() * DISTINCT_SHARE > n:
        return None
    positions = torch.arange(n, device=q.device)
    first = torch.full_like(keys, n).scatter_reduce(0, inverse, positions, "amin")
    rows = q[first]
    if not torch.equal(rows[inverse], q):  # two different queries with one key
        rows, inverse = torch.unique(q, dim=0, return_inverse=True)
        if rows.shape[0] * DISTINCT_SHARE > n:
            return None
    return rows, inverse


def _carried(top: torch.Tensor, sums: torch.Tensor, norms: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """(largest score before each block [U, nb], the earlier blocks' sums [U, nb, d] and normalisers
    [U, nb] rescaled to it): a scan over the blocks."""
    u, nb, d = sums.shape
    before = torch.full((u, nb), float("-inf"), dtype=top.dtype, device=top.device)
    carried, carried_norm = torch.zeros_like(sums), torch.zeros_like(norms)
    run_max = before[:, 0].clone()
    run_sum, run_norm = torch.zeros_like(sums[:, 0]), torch.zeros_like(norms[:, 0])
    for b in range(1, nb):
        new_max = torch.maximum(run_max, top[:, b - 1])
        old, add = torch.exp(run_max - new_max), torch.exp(top[:, b - 1] - new_max)
        old = torch.where(torch.isinf(run_max), torch.zeros_like(old), old)  # nothing carried yet
        run_sum = run_sum * old.unsqueeze(-1) + sums[:, b - 1] * add.unsqueeze(-1)
        run_norm = run_norm * old + norms[:, b - 1] * add
        run_max = new_max
        before[:, b], carried[:, b], carried_norm[:, b] = run_max, run_sum, run_norm
    return before, carried, carried_norm


def distinct_attention(
    rows: torch.Tensor, inverse: torch.Tensor, k: torch.Tensor, v: torch.Tensor, *, scale: float,
    block: int = PREFIX_BLOCK,
) -> torch.Tensor:
    """Causal softmax attention [N, d] of position i's query rows[inverse[i]] over k, v [N, d]."""
    n, d = k.shape
    pad = -(-n // block) * block - n
    blocks = (n + pad) // block
    s = F.pad(rows @ k.T * scale, (0, pad), value=float("-inf")).view(-1, blocks, block)  # [U, nb, block]
    vb = F.pad(v, (0, 0, 0, pad)).view(blocks, block, d)
    top = s.amax(dim=-1)  # each block's largest score per query [U, nb]
    e = torch.exp(s - top.unsqueeze(-1))
    sums = torch.einsum("ubl,bld->ubd", e, vb)
    before, carried, carried_norm = _carried(top, sums, e.sum(dim=-1))
    # each row's query, over its own block's keys
    who = F.pad(inverse, (0, pad)).view(blocks, block)
    where = torch.arange(blocks, device=k.device).unsqueeze(-1).expand(blocks, block)
    own = torch.ones(block, block, dtype=torch.bool, device=k.device).tril()
    mine = s[who, where].masked_fill(~own, float("-inf"))  # [nb, block rows, block keys]
    row_before = before[who, where]
    row_max = torch.maximum(mine.amax(dim=-1), row_before)
    within = torch.exp(mine - row_max.unsqueeze(-1))
    shift = torch.exp(row_before - row_max)  # the earlier blocks' sums to the row's maximum
    num = within @ vb + shift.unsqueeze(-1) * carried[who, where]
    den = within.sum(dim=-1) + shift * carried_norm[who, where]
    return (num / den.unsqueeze(-1)).view(blocks * block, d)[:n]
