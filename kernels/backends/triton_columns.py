"""Triton backend, key-token columns: one launch over each query block's listed columns, merged by lse.

One program per (query tile of ``BLOCK_M`` tokens, batch * head) walks the row's column list
(``col_counts``/``col_indices``) ``BLOCK_N`` columns at a time: it gathers those keys and values,
masks padding and (causal) future keys, and keeps an online softmax in float32, as the block kernel
in ``triton_attention`` does. It writes the output and the natural-log lse (-inf, output zero, for
query tokens that see no column), which ``triton_sparse_attention`` merges with the blocks' result.
Tiles are ``tile_default``'s for a 64-token key block (not tuned).
"""

from __future__ import annotations

import math

import torch
import triton
import triton.language as tl

from kernels.backends.triton_tiles import tile_default
from kernels.layout import HEAD_SPARSE, BlockLayout

_LOG2E = 1.4426950408889634


def _columns_fwd(
    q_ptr,
    k_ptr,
    v_ptr,
    out_ptr,
    lse_ptr,
    cnt_ptr,
    col_ptr,
    qk_scale,
    heads,
    group,
    n_q_blocks,
    width,
    kv_offset,
    stride_qbh,
    stride_qn,
    stride_kbh,
    stride_kn,
    stride_vbh,
    stride_vn,
    stride_obh,
    stride_on,
    B_Q: tl.constexpr,
    BLOCK_M: tl.constexpr,
    BLOCK_N: tl.constexpr,
    HEAD_DIM: tl.constexpr,
    CAUSAL: tl.constexpr,
    PRECISION: tl.constexpr,
    DOT_FP32: tl.constexpr,
):
    """Attention of one query tile of one (batch, head) over its query block's columns."""
    tile = tl.program_id(0)
    bh = tl.program_id(1)
    kv_bh = (bh // heads) * (heads // group) + (bh % heads) // group
    q_start = tile * BLOCK_M
    row = bh * n_q_blocks + q_start // B_Q
    num = tl.load(cnt_ptr + row)
    offs_m = q_start + tl.arange(0, BLOCK_M)
    offs_d = tl.arange(0, HEAD_DIM)
    offs_t = tl.arange(0, BLOCK_N)
    q_base = q_ptr + bh.to(tl.int64) * stride_qbh
    k_base = k_ptr + kv_bh.to(tl.int64) * stride_kbh
    v_base = v_ptr + kv_bh.to(tl.int64) * stride_vbh
    q = tl.load(q_base + offs_m[:, None] * stride_qn + offs_d[None, :])
    if DOT_FP32:
        q = q.to(tl.float32)
    m_i = tl.full([BLOCK_M], float("-inf"), dtype=tl.float32)
    l_i = tl.zeros([BLOCK_M], dtype=tl.float32)
    acc = tl.zeros([BLOCK_M, HEAD_DIM], dtype=tl.float32)
    q_pos = offs_m + kv_offset
    row_cols = col_ptr + row.to(tl.int64) * width
    for c0 in range(0, num, BLOCK_N):
        inside = (c0 + offs_t) < num
        offs_n = tl.load(row_cols + c0 + offs_t, mask=inside, other=0).to(tl.int64)
        k = tl.load(k_base + offs_n[:, None] * stride_kn + offs_d[None, :], mask=inside[:, None], other=0.0)
        if DOT_FP32:
            k = k.to(tl.float32)
        s = tl.dot(q, tl.trans(k), input_precision=PRECISION) * qk_scale  # base-2 logits
        keep = inside[None, :]
        if CAUSAL:
            keep = keep & (offs_n[None, :] <= q_pos[:, None])
        s = tl.where(keep, s, float("-inf"))
        m_new = tl.maximum(m_i, tl.max(s, 1))
        m_safe = tl.where(m_new == float("-inf"), 0.0, m_new)
        alpha = tl.math.exp2(m_i - m_safe)
        p = tl.math.exp2(s - m_safe[:, None])
        l_i = l_i * alpha + tl.sum(p, 1)
        v = tl.load(v_base + offs_n[:, None] * stride_vn + offs_d[None, :], mask=inside[:, None], other=0.0)
        p = p.to(v.dtype)
        if DOT_FP32:
            p, v = p.to(tl.float32), v.to(tl.float32)
        acc = tl.dot(p, v, acc * alpha[:, None], input_precision=PRECISION)
        m_i = m_new
    seen = l_i > 0.0
    out = acc / tl.where(seen, l_i, 1.0)[:, None]
    o_base = out_ptr + bh.to(tl.int64) * stride_obh
    tl.store(o_base + offs_m[:, None] * stride_on + offs_d[None, :], out.to(out_ptr.dtype.element_ty))
    lse = tl.where(seen, (m_i + tl.math.log2(tl.where(seen, l_i, 1.0))) / 1.4426950408889634, float("-inf"))
    tl.store(lse_ptr + bh.to(tl.int64) * (n_q_blocks * B_Q) + offs_m, lse)


_JITTED: dict[bool, object] = {}


def _kernel(*, interpreted: bool):
    """The jitted column kernel for the current mode (compiled or interpreted), built once per mode."""
    if interpreted not in _JITTED:
        _JITTED[interpreted] = triton.jit(_columns_fwd)
    return _JITTED[interpreted]


def layout_column_lists(layout: BlockLayout, *, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """(int32 counts ``[B, H, n_q]``, int32 indices ``[B, H, n_q, w]``) on ``device``, sparse heads
    only, cached on the layout."""
    key = ("triton_columns", str(device))
    if key not in layout.cache:
        counts = layout.col_counts
        if layout.head_modes is not None:
            sparse = (layout.head_modes == HEAD_SPARSE).unsqueeze(-1)
            counts = torch.where(sparse, counts, torch.zeros_like(counts))
        layout.cache[key] = (counts.contiguous().to(device), layout.col_indices.contiguous().to(device))
    return layout.cache[key]


def columns_forward(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, layout: BlockLayout, *, interpreted: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    """(output like q, float32 natural-log lse ``[B, H, N]``) of attention over the layout's columns."""
    bsz, heads, n, d = q.shape
    b_q = layout.block_size[0]
    q, k, v = q.contiguous(), k.contiguous(), v.contiguous()
    counts, cols = layout_column_lists(layout, device=q.device)
    out = torch.empty_like(q)
    lse = torch.empty(bsz, heads, n, dtype=torch.float32, device=q.device)
    cfg = tile_default(b_q=b_q, b_k=64, dtype=q.dtype)
    # as in the block kernel: the interpreter's bfloat16 tl.dot is widened to float32 (exact products)
    dot_fp32 = q.dtype == torch.bfloat16 and interpreted
    _kernel(interpreted=interpreted)[(n // cfg.block_m, bsz * heads)](
        q, k, v, out, lse, counts, cols,
        _LOG2E / math.sqrt(d), heads, heads // k.shape[1], counts.shape[-1], cols.shape[-1], layout.kv_offset,
        q.stride(1), q.stride(2), k.stride(1), k.stride(2), v.stride(1), v.stride(2),
        out.stride(1), out.stride(2),
        B_Q=b_q, BLOCK_M=cfg.block_m, BLOCK_N=cfg.block_n, HEAD_DIM=d, CAUSAL=layout.causal,
        PRECISION="ieee" if q.dtype == torch.float32 else "tf32", DOT_FP32=dot_fp32,
        num_warps=cfg.num_warps, num_stages=cfg.num_stages,
    )  # fmt: skip
    return out, lse
