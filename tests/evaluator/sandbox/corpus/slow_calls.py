"""Hostile: every call is well within the per-call limit, but they add up past the submission's time limit."""

import time

import torch

PAUSE_S = 0.3


def select(q, k, *, causal, block_size, layer, step, geometry):
    """Each query block sees its own key block, after a short pause."""
    time.sleep(PAUSE_S)
    b, h = q.shape[:2]
    n = q.shape[2] // block_size[0]
    diag = torch.arange(n, dtype=torch.int32).view(1, 1, n, 1).expand(b, h, n, 1).contiguous()
    return {"kv_num_blocks": torch.ones(b, h, n, dtype=torch.int32), "kv_indices": diag}
