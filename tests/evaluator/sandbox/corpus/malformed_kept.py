"""Hostile: malformed eviction answers, one per layer (the sandbox itself stays healthy)."""

import torch

ANSWER = "eviction"


def select(q, k, *, causal, block_size, layer, step, geometry):
    """The malformed kept cache named by ``layer`` for k [B, H_kv, N, d]: 4 positions per head."""
    b, h, n = k.shape[:3]
    four = torch.arange(4, dtype=torch.int32).expand(b, h, 4).contiguous()
    answers = {
        0: {"kept": four[:, :1]},  # wrong shape: one KV head short
        1: {"kept": four.float()},  # wrong dtype
        2: {"kept": four + n - 2},  # out of range: positions n and n + 1
        3: {"kept": torch.zeros_like(four)},  # duplicates
        4: {"kept": torch.full((b, h, 4), float("nan"))},  # NaN
        5: {"kept": four, "kept_counts": torch.full((b, h), 5, dtype=torch.int32)},  # counts past the width
        6: {"kept": four, "kv_indices": four},  # an array of the layout answer
        7: {"kept_counts": torch.full((b, h), 4, dtype=torch.int32)},  # no kept
        8: {"kept": four, "kept_counts": torch.full((b, h), 2, dtype=torch.int32)},  # valid: 2 per head
    }
    return answers[layer]
