"""Random key-token columns for a block mask, shared by the backend specs."""

from __future__ import annotations

import torch


def random_columns(
    mask: torch.Tensor,
    *,
    block_size: tuple[int, int],
    causal: bool,
    kv_offset: int = 0,
    per_row: int = 6,
    seed: int,
) -> tuple[torch.Tensor, torch.Tensor]:
    """(col_counts, col_indices): up to ``per_row`` distinct key tokens per query block, outside its
    listed blocks (and, if causal, at most its last query); some rows get none."""
    g = torch.Generator().manual_seed(seed)
    bsz, heads, n_q, n_k = mask.shape
    b_q, b_k = block_size
    kv_len = n_k * b_k
    if causal:  # as the layout builders do: future blocks are dropped from the mask
        last_q = torch.arange(n_q).view(-1, 1) * b_q + b_q - 1 + kv_offset
        mask = mask & (torch.arange(n_k).view(1, -1) * b_k <= last_q)
    free = ~mask.repeat_interleave(b_k, dim=-1)
    if causal:
        last_q = (torch.arange(n_q) * b_q + b_q - 1 + kv_offset).view(-1, 1)
        free = free & (torch.arange(kv_len).view(1, -1) <= last_q)
    score = torch.rand(bsz, heads, n_q, kv_len, generator=g).masked_fill(~free, -1.0)
    top = torch.topk(score, per_row, dim=-1)
    wanted = torch.randint(0, per_row + 1, (bsz, heads, n_q, 1), generator=g)
    valid = (top.values >= 0) & (torch.arange(per_row).view(1, 1, 1, -1) < wanted)
    order = torch.sort((~valid).to(torch.int8), dim=-1, stable=True).indices
    return valid.sum(-1).to(torch.int32), torch.gather(top.indices, -1, order).to(torch.int32)
