"""Triton backend: a block-sparse flash-attention forward kernel over the layout's key block lists.

One program per (query tile of ``BLOCK_M`` tokens, batch * head). It walks the key blocks its query
block lists (``kv_num_blocks``/``kv_indices``), each in tiles of ``BLOCK_N`` keys, with an online
softmax in float32 (causal mask inside blocks, grouped-query heads read key/value head
``h // group``), and writes the output and the natural-log log-sum-exp (-inf, output zero, for rows
that see no key). Pyramid levels run as one launch per level on mean-pooled keys and values and are
merged exactly by log-sum-exp, in float32; so are key-token columns (``triton_columns``). Head
modes act through ``BlockLayout.level_map`` (full heads list every block, skipped heads none), as
in the FlexAttention backend.

The kernel is wrapped by ``triton.jit`` on first use, separately for compiled (CUDA) and
interpreted (``TRITON_INTERPRET=1``, CPU tensors) mode. Triton's own library functions take their
mode when ``triton`` is first imported, so the interpreter only works in a process where
TRITON_INTERPRET=1 was set before that import (the tests start such a process).
"""

from __future__ import annotations

import math
import os

import torch
import triton
import triton.language as tl

from kernels.backends.merge import level_pooled, lse_check, lse_merge, mask_to_block_lists
from kernels.backends.triton_columns import columns_forward
from kernels.backends.triton_tiles import (
    MIN_TILE,
    TileChooser,
    TileConfig,
    cuda_launch_ms,
    tile_candidates,
    tile_default,
    tuning_enabled,
)
from kernels.layout import BlockLayout

SUPPORTED_DTYPES = (torch.float32, torch.float16, torch.bfloat16)
SUPPORTED_HEAD_DIMS = (16, 32, 64, 128)
_LOG2E = 1.4426950408889634


def _block_sparse_fwd(
    q_ptr,
    k_ptr,
    v_ptr,
    out_ptr,
    lse_ptr,
    num_ptr,
    idx_ptr,
    qk_scale,
    heads,
    group,
    n_q_blocks,
    n_k_blocks,
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
    B_K: tl.constexpr,
    BLOCK_M: tl.constexpr,
    BLOCK_N: tl.constexpr,
    HEAD_DIM: tl.constexpr,
    CAUSAL: tl.constexpr,
    KEY_TILES: tl.constexpr,
    PRECISION: tl.constexpr,
    DOT_FP32: tl.constexpr,
):
    """Forward block-sparse attention of one query tile of one (batch, head); see the module doc."""
    tile = tl.program_id(0)
    bh = tl.program_id(1)
    kv_bh = (bh // heads) * (heads // group) + (bh % heads) // group
    q_start = tile * BLOCK_M
    row = bh * n_q_blocks + q_start // B_Q
    num = tl.load(num_ptr + row)
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
    row_idx = idx_ptr + row.to(tl.int64) * n_k_blocks
    # one flat loop over (listed block, key tile inside it), so that the loads pipeline across blocks
    for it in range(0, num * KEY_TILES):
        kb = tl.load(row_idx + it // KEY_TILES)
        t = (it % KEY_TILES) * BLOCK_N
        inside = (t + offs_t) < B_K  # all true unless a pooled block is narrower than BLOCK_N
        offs_n = kb * B_K + t + offs_t
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
        p = p.to(v.dtype)  # the P.V product runs in the input dtype, as in flash attention
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


def interpreter_enabled() -> bool:
    """True when Triton's CPU interpreter is switched on (TRITON_INTERPRET=1)."""
    return os.environ.get("TRITON_INTERPRET", "0") == "1"


def _kernel():
    """The jitted kernel for the current mode (compiled or interpreted), built once per mode."""
    mode = interpreter_enabled()
    if mode not in _JITTED:
        _JITTED[mode] = triton.jit(_block_sparse_fwd)
    return _JITTED[mode]


def triton_check_inputs(q: torch.Tensor, layout: BlockLayout) -> None:
    """ValueError naming a parameter the kernel does not support; RuntimeError for an unusable device."""
    b_q, b_k = layout.block_size
    for name, size in (("b_q", b_q), ("b_k", b_k)):
        if size < MIN_TILE or size & (size - 1):
            raise ValueError(f"triton backend: block size {name}={size} must be a power of two >= {MIN_TILE}")
    if q.shape[-1] not in SUPPORTED_HEAD_DIMS:
        raise ValueError(f"triton backend: head dim d={q.shape[-1]} must be one of {SUPPORTED_HEAD_DIMS}")
    if q.dtype not in SUPPORTED_DTYPES:
        raise ValueError(f"triton backend: dtype {q.dtype} must be one of {SUPPORTED_DTYPES}")
    if q.device.type != "cuda" and not (q.device.type == "cpu" and interpreter_enabled()):
        raise RuntimeError(
            f"triton backend: tensors on {q.device.type} need CUDA, or TRITON_INTERPRET=1 "
            "(Triton's CPU interpreter, slow: for tests) set in the environment"
        )


def layout_level_lists(
    layout: BlockLayout, *, device: torch.device
) -> dict[int, tuple[torch.Tensor, torch.Tensor]]:
    """Per pyramid level, (kv_num_blocks, kv_indices) on ``device`` with head modes applied; cached."""
    key = ("triton_lists", str(device))
    if key in layout.cache:
        return layout.cache[key]
    if layout.levels is None and layout.head_modes is None:
        lists = {1: (layout.kv_num_blocks, layout.kv_indices)}
    else:
        lm = layout.level_map()
        lists = {
            level: mask_to_block_lists(lm == level)
            for level in range(1, layout.max_level() + 1)
            if level == 1 or bool((lm == level).any())
        }
    out = {
        level: (num.to(device).contiguous(), idx.to(device).contiguous())
        for level, (num, idx) in lists.items()
    }
    layout.cache[key] = out
    return out


TILES = TileChooser(timer=cuda_launch_ms, skipped=(triton.errors.TritonError,))


def block_sparse_forward(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    kv_num_blocks: torch.Tensor,
    kv_indices: torch.Tensor,
    *,
    block_size: tuple[int, int],
    causal: bool,
    kv_offset: int,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One kernel launch: (output like q, float32 natural-log lse ``[B, H, N]``) over the listed blocks.

    ``block_size`` is (query block, key block) in the tokens of ``k``/``v`` (pooled for levels > 1).
    Tiles: on CUDA the fastest of ``tile_candidates`` for this shape, timed on its first call (see
    ``TileChooser``; ``$SPARSEBENCH_TRITON_TUNE=0`` turns that off), else ``tile_default``.
    """
    bsz, heads, n, d = q.shape
    b_q, b_k = block_size
    q, k, v = q.contiguous(), k.contiguous(), v.contiguous()
    out = torch.empty_like(q)
    lse = torch.empty(bsz, heads, n, dtype=torch.float32, device=q.device)

    def launch(cfg: TileConfig) -> None:
        args = (q, k, v, out, lse, kv_num_blocks, kv_indices)
        _launch(*args, cfg=cfg, block_size=block_size, causal=causal, kv_offset=kv_offset)

    tile = tile_default(b_q=b_q, b_k=b_k, dtype=q.dtype)
    if q.device.type == "cuda" and tuning_enabled():
        key = (torch.cuda.get_device_name(q.device), b_q, b_k, d, q.dtype, bool(causal), n.bit_length())
        tile = TILES.choose(key, tile_candidates(b_q=b_q, b_k=b_k, head_dim=d, dtype=q.dtype), launch)
    launch(tile)
    return out, lse


def _launch(q, k, v, out, lse, kv_num_blocks, kv_indices, *, cfg: TileConfig, block_size, causal, kv_offset):
    """Launch the kernel once with tiles ``cfg``, writing ``out`` and ``lse``."""
    heads, n, d = q.shape[1], q.shape[2], q.shape[3]
    b_q, b_k = block_size
    # the interpreter multiplies bfloat16 bit patterns in tl.dot (triton-lang/triton#11584): there the
    # bfloat16 operands are widened to float32 first, which gives the same products (exact in float32)
    dot_fp32 = q.dtype == torch.bfloat16 and interpreter_enabled()
    grid = (n // cfg.block_m, q.shape[0] * heads)
    _kernel()[grid](
        q,
        k,
        v,
        out,
        lse,
        kv_num_blocks,
        kv_indices,
        _LOG2E / math.sqrt(d),
        heads,
        heads // k.shape[1],
        kv_num_blocks.shape[-1],
        kv_indices.shape[-1],
        kv_offset,
        q.stride(1),
        q.stride(2),
        k.stride(1),
        k.stride(2),
        v.stride(1),
        v.stride(2),
        out.stride(1),
        out.stride(2),
        B_Q=b_q,
        B_K=b_k,
        BLOCK_M=cfg.block_m,
        BLOCK_N=cfg.block_n,
        KEY_TILES=max(1, b_k // cfg.block_n),
        HEAD_DIM=d,
        CAUSAL=bool(causal),
        PRECISION="ieee" if q.dtype == torch.float32 else "tf32",
        DOT_FP32=dot_fp32,
        num_warps=cfg.num_warps,
        num_stages=cfg.num_stages,
    )


def triton_sparse_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    layout: BlockLayout,
    *,
    lse_out: torch.Tensor | None = None,
) -> torch.Tensor:
    """Block-sparse attention (layout token order) by the Triton kernel, levels merged by log-sum-exp;
    ``lse_out`` (float32 ``[B, H, N]``, sparse heads only) receives the merged log-sum-exp."""
    triton_check_inputs(q, layout)
    if lse_out is not None:
        lse_check(lse_out, q=q, layout=layout)
    b_q, b_k = layout.block_size
    out = lse = None
    for level, (num, idx) in layout_level_lists(layout, device=q.device).items():
        kp, vp = level_pooled(k, v, level)
        o, o_lse = block_sparse_forward(
            q,
            kp,
            vp,
            num,
            idx,
            block_size=(b_q, b_k // 2 ** (level - 1)),
            causal=layout.causal,
            kv_offset=layout.kv_offset,
        )
        o_lse = o_lse + (level - 1) * math.log(2.0)
        if out is None:
            out, lse = o, o_lse
        else:  # levels merge in float32: one rounding to the input dtype at the end
            out, lse = lse_merge(out.float(), lse, o.float(), o_lse)
    if layout.has_columns:  # key-token columns: their own launch, merged the same way
        o, o_lse = columns_forward(q, k, v, layout, interpreted=interpreter_enabled())
        out, lse = lse_merge(out.float(), lse, o.float(), o_lse)
    if lse_out is not None:
        lse_out.copy_(lse)
    return out.to(q.dtype)
