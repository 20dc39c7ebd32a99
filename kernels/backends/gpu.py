"""GPU backend: FlexAttention with BlockMasks built from the layout's indices (cached per layout)."""

from __future__ import annotations

import math

import torch
from torch.nn.attention.flex_attention import AuxRequest, BlockMask, flex_attention

from kernels.backends.merge import level_pooled, lse_check, lse_merge, mask_to_block_lists
from kernels.layout import BlockLayout, causal_block_mask

_COMPILED: dict[str, object] = {}


def flex_attention_fn(*, device_type: str):
    """flex_attention, compiled on CUDA (fused kernel) and eager elsewhere (for checks at small N)."""
    if device_type != "cuda":
        return flex_attention
    if "cuda" not in _COMPILED:
        _COMPILED["cuda"] = torch.compile(flex_attention, dynamic=False)
    return _COMPILED["cuda"]


def layout_block_masks(layout: BlockLayout, *, device: torch.device) -> dict[int, BlockMask]:
    """One BlockMask per pyramid level present (head modes applied), cached on the layout."""
    key = ("flex_masks", str(device))
    if key in layout.cache:
        return layout.cache[key]
    b_q, b_k = layout.block_size
    lm = layout.level_map()
    n_q, n_k = lm.shape[2], lm.shape[3]
    masks: dict[int, BlockMask] = {}
    for level in range(1, layout.max_level() + 1):
        keep = lm == level
        if level > 1 and not bool(keep.any()):
            continue
        pool = 2 ** (level - 1)
        table = keep.to(device)
        bk = b_k // pool
        offset = layout.kv_offset
        causal = layout.causal
        # The causal limit is a tensor, not a Python constant: compiled FlexAttention reused a
        # non-causal layout's mask for a causal one when the rule lived in the closure (H200 run).
        limit = torch.tensor(offset if causal else layout.kv_len, device=device)

        columns = layout.column_mask() if level == 1 and layout.has_columns else None
        col_table = None if columns is None else columns.to(device)

        def block_mod(b, h, q_idx, kv_idx, table=table, bk=bk, limit=limit, cols=col_table):
            inside = table[b, h, q_idx // b_q, kv_idx // bk]
            if cols is not None:
                inside = inside | cols[b, h, q_idx // b_q, kv_idx]
            return inside & (kv_idx <= q_idx + limit)

        # the mask_mod is the ground truth; the block lists let the kernel skip blocks
        cut = (
            _partial_blocks(n_q, n_k, (b_q, b_k), offset)
            if causal
            else torch.zeros(n_q, n_k, dtype=torch.bool)
        )
        # a key block holding a listed column is visited whole, as a partial block, masked by the mask_mod
        with_cols = torch.zeros_like(keep) if columns is None else columns.view(*keep.shape, b_k).any(-1)
        part_num, part_idx = mask_to_block_lists((keep & cut) | with_cols)
        full_num, full_idx = mask_to_block_lists(keep & ~cut & ~with_cols)
        bm = BlockMask.from_kv_blocks(
            part_num.to(device),
            part_idx.to(device),
            full_num.to(device),
            full_idx.to(device),
            BLOCK_SIZE=(b_q, bk),
            mask_mod=block_mod,
            seq_lengths=(layout.q_len, layout.kv_len // pool),
        )
        masks[level] = bm
    layout.cache[key] = masks
    return masks


def flex_sparse_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    layout: BlockLayout,
    *,
    lse_out: torch.Tensor | None = None,
) -> torch.Tensor:
    """Block-sparse attention (layout token order) by FlexAttention, levels merged by log-sum-exp;
    ``lse_out`` (float32 ``[B, H, N]``, sparse heads only) receives the merged log-sum-exp.

    Key-token columns go through the mask_mod: each key block holding one is computed whole as a
    partial block and masked, so columns cost whole blocks here (exact, not faster)."""
    if lse_out is not None:
        lse_check(lse_out, q=q, layout=layout)
    fn = flex_attention_fn(device_type=q.device.type)
    gqa = q.shape[1] != k.shape[1]
    out = None
    lse = None
    for level, bm in layout_block_masks(layout, device=q.device).items():
        kp, vp = level_pooled(k, v, level)
        o, aux = fn(q, kp, vp, block_mask=bm, enable_gqa=gqa, return_aux=AuxRequest(lse=True),
                    kernel_options=_tiles(bm.BLOCK_SIZE))  # fmt: skip
        lvl_lse = aux.lse.float() + (level - 1) * math.log(2.0)
        if out is None:
            out, lse = o, lvl_lse
            continue
        out, lse = lse_merge(out, lse, o, lvl_lse)
    if lse_out is not None:
        lse_out.copy_(lse)
    return out


def _tiles(block_size: tuple[int, int]) -> dict[str, int] | None:
    """Kernel tiles that divide the layout's blocks: the compiled kernel's defaults (up to 128) do
    not divide pooled-level or 64-token blocks, which it refuses (seen on the H200)."""
    b_q, b_k = block_size
    if b_q % 128 == 0 and b_k % 128 == 0:
        return None
    return {"BLOCK_M": min(b_q, 64), "BLOCK_N": min(b_k, 64)}


def _partial_blocks(n_q: int, n_k: int, block_size: tuple[int, int], kv_offset: int) -> torch.Tensor:
    """Boolean [n_q, n_k]: blocks cut by the causal diagonal (some key after some query)."""
    b_q, b_k = block_size
    first_q = torch.arange(n_q).view(-1, 1) * b_q + kv_offset
    last_k = torch.arange(n_k).view(1, -1) * b_k + b_k - 1
    return (last_k > first_q) & causal_block_mask(n_q, n_k, block_size=block_size, kv_offset=kv_offset).bool()
