"""CPU backend, key-token columns: each query block's listed columns gathered, attended, merged by lse."""

from __future__ import annotations

import torch

from kernels.layout import HEAD_SPARSE, BlockLayout

DEFAULT_ROWS = 64  # query blocks per gathered chunk


def columns_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    layout: BlockLayout,
    *,
    rows_per_chunk: int = DEFAULT_ROWS,
):
    """Yield (flat query rows, output ``[g, b_q, dv]``, natural lse ``[g, b_q]``) over the layout's columns.

    Rows are ``(b * H + h) * n_q + i`` of sparse heads with at least one column; query tokens that see
    no column get output 0 and lse -inf, ready for a log-sum-exp merge with the blocks' result.
    """
    from kernels.backends.cpu import sdpa_with_lse  # here: cpu.py imports this module

    bsz, heads, n_q, _ = layout.shape
    b_q = layout.block_size[0]
    kv_heads, d, dv = k.shape[1], q.shape[-1], v.shape[-1]
    group = heads // kv_heads
    count = layout.col_counts.reshape(-1).long()
    row_bh = torch.arange(bsz * heads).repeat_interleave(n_q)
    if layout.head_modes is not None:
        count = torch.where(layout.head_modes.reshape(-1)[row_bh] == HEAD_SPARSE, count, 0)
    todo = torch.nonzero(count > 0).flatten()
    width = layout.col_indices.shape[-1]
    cols = layout.col_indices.reshape(-1, width).long()
    qf = q.reshape(bsz * heads * n_q, b_q, d)
    kf = k.reshape(-1, d)
    vf = v.reshape(-1, dv)
    t = torch.arange(b_q).view(1, b_q, 1)
    for start in range(0, len(todo), rows_per_chunk):
        rows = todo[start : start + rows_per_chunk]
        m = int(count[rows].max())
        c = cols[rows, :m]
        valid = torch.arange(m).view(1, -1) < count[rows].view(-1, 1)
        bh = row_bh[rows]
        kv_bh = (bh // heads) * kv_heads + (bh % heads) // group
        flat = (kv_bh.view(-1, 1) * layout.kv_len + c).where(valid, 0).reshape(-1)
        kc = kf.index_select(0, flat).view(len(rows), 1, m, d)
        vc = vf.index_select(0, flat).view(len(rows), 1, m, dv)
        seen = valid.unsqueeze(1).expand(-1, b_q, -1)
        if layout.causal:
            q_pos = ((rows % n_q) * b_q + layout.kv_offset).view(-1, 1, 1) + t
            seen = seen & (c.unsqueeze(1) <= q_pos)
        mask = torch.zeros(seen.shape, dtype=q.dtype).masked_fill(~seen, float("-inf")).unsqueeze(1)
        o, lse = sdpa_with_lse(qf[rows].unsqueeze(1), kc, vc, mask=mask)
        o, lse = o.squeeze(1), lse.squeeze(1).float()
        hidden = ~seen.any(-1)
        yield rows, o.masked_fill(hidden.unsqueeze(-1), 0.0), lse.masked_fill(hidden, float("-inf"))
