"""Native CPU backend: the layout as per-query-block key entries, run by the compiled flash kernel."""

from __future__ import annotations

import ctypes
import math
from dataclasses import dataclass

import torch

from kernels.backends.cpu import non_sparse_heads_fill
from kernels.backends.merge import level_pooled, lse_check
from kernels.backends.native.build import native_library
from kernels.layout import HEAD_SPARSE, MAX_LEVEL, BlockLayout

NO_MASK = 2**63 - 1  # entry delta meaning "not cut by the causal diagonal"
DEFAULT_CHUNK = 512  # key columns per score tile (a 256 x 512 float32 tile is 512 KiB)


@dataclass(frozen=True)
class NativePlan:
    """The sparse heads' query blocks and, per block, its key entries in CSR form.

    Row r is the flat query block ``(b * H + h) * n_q + i``. Entry e of row r covers ``ent_len[e]``
    key tokens starting at ``ent_token[e]`` in the flattened ``[B * H_kv * N_level, d]`` keys of
    level ``ent_level[e]``; query token t sees key token s of the entry iff ``s - t <= ent_delta[e]``.
    Row r's key-token columns are ``col_token[col_ptr[r]:col_ptr[r + 1]]`` (level-1 flat key rows),
    seen by the block's query tokens ``t >= col_first``; ``col_ptr`` is None without columns.
    """

    order: torch.Tensor  # int64 [T] rows to compute, costliest first
    row_ptr: torch.Tensor  # int64 [R + 1]
    ent_token: torch.Tensor  # int64 [E]
    ent_len: torch.Tensor  # int32 [E]
    ent_level: torch.Tensor  # int32 [E]
    ent_delta: torch.Tensor  # int64 [E]
    levels: tuple[int, ...]  # pyramid levels present
    longest: int  # tokens of the longest entry
    col_ptr: torch.Tensor | None = None  # int64 [R + 1]
    col_token: torch.Tensor | None = None  # int64 [C]
    col_first: torch.Tensor | None = None  # int32 [C]


def native_plan_build(layout: BlockLayout, *, kv_heads: int) -> NativePlan:
    """The layout's plan for ``kv_heads`` key/value heads, built once and cached on the layout."""
    return layout.cached(("native_plan", kv_heads), lambda: _plan_compute(layout, kv_heads=kv_heads))


def _plan_compute(layout: BlockLayout, *, kv_heads: int) -> NativePlan:
    """Flatten the layout's valid entries of sparse heads into per-row CSR lists."""
    bsz, heads, n_q, n_k = layout.shape
    if heads % kv_heads != 0:
        raise ValueError(f"query heads {heads} not a multiple of key/value heads {kv_heads}")
    b_q, b_k = layout.block_size
    group = heads // kv_heads
    modes = layout.head_modes if layout.head_modes is not None else torch.zeros(bsz, heads, dtype=torch.int8)
    row_bh = torch.arange(bsz * heads).repeat_interleave(n_q)
    sparse_row = modes.reshape(-1)[row_bh] == HEAD_SPARSE
    num = torch.where(sparse_row, layout.kv_num_blocks.reshape(-1).long(), 0)
    idx = layout.kv_indices.reshape(-1, n_k).long()
    lev = layout.levels.reshape(-1, n_k).long() if layout.levels is not None else torch.ones_like(idx)
    valid = torch.arange(n_k).view(1, -1) < num.view(-1, 1)
    kv_bh = ((row_bh // heads) * kv_heads + (row_bh % heads) // group).view(-1, 1)
    pool = 2 ** (lev - 1)
    token = kv_bh * (layout.kv_len // pool) + idx * (b_k // pool)
    delta = (torch.arange(n_q).repeat(bsz * heads) * b_q + layout.kv_offset).view(-1, 1) - idx * b_k
    delta = torch.where(layout.causal & (delta < b_k - 1), delta, NO_MASK)
    length = b_k // pool
    cost = torch.where(valid, length, 0).sum(-1)
    columns = _columns_compute(layout, sparse_row=sparse_row, kv_bh=kv_bh.view(-1))
    if columns is not None:
        cost = cost + (columns[0][1:] - columns[0][:-1])
    rows = torch.nonzero(sparse_row).flatten()
    return NativePlan(
        order=rows[torch.argsort(cost[rows], descending=True, stable=True)],
        row_ptr=torch.cat([torch.zeros(1, dtype=torch.long), num.cumsum(0)]),
        ent_token=token[valid].contiguous(),
        ent_len=length[valid].to(torch.int32).contiguous(),
        ent_level=lev[valid].to(torch.int32).contiguous(),
        ent_delta=delta[valid].contiguous(),
        levels=tuple(int(x) for x in torch.unique(lev[valid]).tolist()) or (1,),
        longest=b_k,
        col_ptr=None if columns is None else columns[0],
        col_token=None if columns is None else columns[1],
        col_first=None if columns is None else columns[2],
    )


def _columns_compute(layout: BlockLayout, *, sparse_row: torch.Tensor, kv_bh: torch.Tensor):
    """(col_ptr, col_token, col_first) of the sparse rows' key-token columns, or None without any."""
    if not layout.has_columns:
        return None
    bsz, heads, n_q, _ = layout.shape
    width = layout.col_indices.shape[-1]
    count = torch.where(sparse_row, layout.col_counts.reshape(-1).long(), 0)
    if not bool((count > 0).any()):
        return None
    col = layout.col_indices.reshape(-1, width).long()
    valid = torch.arange(width).view(1, -1) < count.view(-1, 1)
    token = kv_bh.view(-1, 1) * layout.kv_len + col
    q_start = (torch.arange(n_q).repeat(bsz * heads) * layout.block_size[0] + layout.kv_offset).view(-1, 1)
    first = (col - q_start).clamp_min(0) if layout.causal else torch.zeros_like(col)
    return (
        torch.cat([torch.zeros(1, dtype=torch.long), count.cumsum(0)]),
        token[valid].contiguous(),
        first[valid].to(torch.int32).contiguous(),
    )


def native_sparse_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    layout: BlockLayout,
    *,
    threads: int | None = None,
    chunk: int = DEFAULT_CHUNK,
    lse_out: torch.Tensor | None = None,
) -> torch.Tensor:
    """Block-sparse attention of float32 ``[B, H, N, d]`` CPU tensors (in the layout's token order).

    Each query block makes one online-softmax pass over all its key blocks, pooled levels included
    (so no log-sum-exp merge), on ``threads`` threads (default: torch's thread count). A float32
    ``[B, H, N]`` ``lse_out`` receives each query's natural log-sum-exp (sparse heads only).
    """
    for name, x in (("q", q), ("k", k), ("v", v)):
        if x.dtype != torch.float32 or x.device.type != "cpu":
            raise ValueError(
                f"the native backend takes float32 CPU tensors; {name} is {x.dtype} on {x.device.type}"
            )
    lib = native_library()
    bsz, heads, n, d = q.shape
    dv = v.shape[-1]
    q, k, v = q.contiguous(), k.contiguous(), v.contiguous()
    plan = native_plan_build(layout, kv_heads=k.shape[1])
    keys, values = (ctypes.c_void_p * MAX_LEVEL)(), (ctypes.c_void_p * MAX_LEVEL)()
    alive = []  # pooled tensors must outlive the call
    for level in plan.levels:
        kp, vp = (x.contiguous() for x in level_pooled(k, v, level))
        keys[level - 1], values[level - 1] = kp.data_ptr(), vp.data_ptr()
        alive += [kp, vp]
    out = torch.empty(bsz, heads, n, dv)
    if lse_out is not None:
        lse_check(lse_out, q=q, layout=layout)
    workers = torch.get_num_threads() if threads is None else threads
    status = lib.forward(
        q.data_ptr(), keys, values, out.data_ptr(),
        plan.order.data_ptr(), len(plan.order),
        plan.row_ptr.data_ptr(), plan.ent_token.data_ptr(), plan.ent_len.data_ptr(),
        plan.ent_level.data_ptr(), plan.ent_delta.data_ptr(),
        *(None, None, None) if plan.col_ptr is None else (
            plan.col_ptr.data_ptr(), plan.col_token.data_ptr(), plan.col_first.data_ptr()
        ),
        layout.block_size[0], d, dv, max(chunk, plan.longest), 1.0 / math.sqrt(d), workers,
        lib.sgemm, lib.mkl_threads_local, None if lse_out is None else lse_out.data_ptr(),
    )  # fmt: skip
    if status != 0:
        raise MemoryError("native kernel: could not allocate its per-thread score tiles")
    non_sparse_heads_fill(q, k, v, layout, out.view(bsz * heads, n, dv))
    return out
