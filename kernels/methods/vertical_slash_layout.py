"""Kept key columns and diagonals as a causal BlockLayout: diagonals as key blocks, columns as strips."""

from __future__ import annotations

import torch

from kernels.layout import BlockLayout

COLUMN_FORMS = ("strips", "blocks")  # columns as 1 x b_q strips (the references), or as whole key blocks


def diagonal_blocks(diags: torch.Tensor, *, block: int, q_len: int) -> torch.Tensor:
    """Boolean ``[B, H, n_q, n_k]`` (in blocks): the causal blocks crossed by a kept diagonal.

    ``diags[..., o]`` keeps the diagonal at offset o = query pos - key pos; the diagonal at offset o
    crosses the block-diagonals ``o // block`` and ``ceil(o / block)``.
    """
    bsz, heads, n_k = diags.shape
    if q_len % block or n_k % block:
        raise ValueError(f"lengths {q_len}, {n_k} must be multiples of block_size {block}")
    n_qb, n_kb = q_len // block, n_k // block
    off = torch.arange(n_k)
    lo = (off // block).expand(bsz, heads, -1)
    hi = ((off + block - 1) // block).expand(bsz, heads, -1)
    d_any = torch.zeros(bsz, heads, n_kb + 1, dtype=torch.int32)
    d_any.scatter_add_(-1, lo, diags.to(torch.int32))
    d_any.scatter_add_(-1, hi, diags.to(torch.int32))
    i = torch.arange(n_qb).view(-1, 1) + (n_kb - n_qb)  # query block i sits at key block i + shift
    j = torch.arange(n_kb).view(1, -1)
    dist = (i - j).clamp(0, n_kb).expand(bsz, heads, n_qb, n_kb)
    keep = torch.gather(d_any.unsqueeze(2).expand(bsz, heads, n_qb, n_kb + 1), -1, dist) > 0
    return keep & (j <= i)


def column_strips(
    cols: torch.Tensor, keep: torch.Tensor, *, block: int, kv_offset: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """(col_counts ``[B, H, n_q]``, col_indices ``[B, H, n_q, w]``) int32: per query block, the kept
    columns ``cols`` ``[B, H, N_k]`` up to its last query and outside its kept blocks ``keep``, ascending."""
    bsz, heads, n_k = cols.shape
    n_qb = keep.shape[2]
    width = max(1, int(cols.sum(-1).max()))
    pos = torch.sort(torch.where(cols, torch.arange(n_k), n_k), dim=-1).values[..., :width]
    padded = torch.cat([keep, torch.zeros(bsz, heads, n_qb, 1, dtype=torch.bool)], dim=-1)
    in_block = torch.gather(padded, -1, (pos // block).unsqueeze(2).expand(bsz, heads, n_qb, width))
    last_q = (torch.arange(n_qb) * block + block - 1 + kv_offset).view(1, 1, -1, 1)
    valid = (pos.unsqueeze(2) <= last_q) & ~in_block  # padding (n_k) lies past every last query
    order = torch.sort((~valid).to(torch.int8), dim=-1, stable=True).indices
    counts = valid.sum(-1)
    width = max(1, int(counts.max()))
    idx = torch.gather(pos.unsqueeze(2).expand(bsz, heads, n_qb, pos.shape[-1]), -1, order[..., :width])
    return counts.to(torch.int32), idx.to(torch.int32)


def columns_and_diagonals_layout(
    cols: torch.Tensor, diags: torch.Tensor, *, block: int, q_len: int, columns: str = "strips"
) -> BlockLayout:
    """Causal layout of kept columns ``cols`` and diagonals ``diags`` (boolean ``[B, H, N_k]``).

    Diagonals keep every ``block x block`` block they cross. ``columns="strips"`` (the references)
    lists each kept column as a key-token strip of the query blocks that see it and do not already
    hold it in a kept block; ``columns="blocks"`` (our earlier variant) keeps the whole key block
    holding a kept column, for every query block.
    """
    if columns not in COLUMN_FORMS:
        raise ValueError(f"columns must be one of {COLUMN_FORMS}, got {columns!r}")
    bsz, heads, n_k = cols.shape
    keep = diagonal_blocks(diags, block=block, q_len=q_len)
    n_kb = n_k // block
    kv_offset = n_k - q_len
    if columns == "blocks":
        j = torch.arange(n_kb).view(1, -1)
        i = torch.arange(keep.shape[2]).view(-1, 1) + (n_kb - keep.shape[2])
        keep = keep | (cols.view(bsz, heads, 1, n_kb, block).any(-1) & (j <= i))
        return BlockLayout.from_block_mask(keep, block_size=(block, block), causal=True, kv_offset=kv_offset)
    counts, idx = column_strips(cols, keep, block=block, kv_offset=kv_offset)
    return BlockLayout.from_block_mask(
        keep, block_size=(block, block), causal=True, kv_offset=kv_offset, col_counts=counts, col_indices=idx
    )
