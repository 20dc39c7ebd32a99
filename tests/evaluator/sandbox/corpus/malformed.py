"""Hostile: malformed answers, one per layer (the sandbox itself stays healthy)."""

import torch


def select(q, k, *, causal, block_size, layer, step, geometry):
    """The malformed answer named by ``layer`` for 2 heads, 4 query and 4 key blocks."""
    b, h = q.shape[:2]
    n = q.shape[2] // block_size[0]
    ones = torch.ones(b, h, n, dtype=torch.int32)
    diag = torch.arange(n, dtype=torch.int32).view(1, 1, n, 1).expand(b, h, n, 1).contiguous()
    answers = {
        0: {"kv_num_blocks": ones[..., :2], "kv_indices": diag},  # wrong shape
        1: {"kv_num_blocks": ones, "kv_indices": diag.float()},  # wrong dtype
        2: {"kv_num_blocks": ones, "kv_indices": diag + n},  # out of range
        3: {"kv_num_blocks": ones * 2, "kv_indices": torch.cat([diag, diag], -1)},  # duplicates
        4: {"kv_num_blocks": ones, "kv_indices": torch.full((b, h, n, 1), float("nan"))},  # NaN
        5: {"kv_num_blocks": ones, "kv_indices": torch.full_like(diag, n - 1)},  # future blocks
        6: {"kv_num_blocks": ones, "kv_indices": diag, "weights": ones},  # unknown array
        7: [1, 2, 3],  # not a dict
        8: {"kv_num_blocks": ones, "kv_indices": diag},  # valid
    }
    return answers[layer]
