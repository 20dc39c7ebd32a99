"""Hostile: an answer larger than the answer region (64 MiB; the test's region holds 16)."""

import torch


def select(q, k, **info):
    """Return 64 MiB of indices."""
    return {"kv_indices": torch.zeros(8 << 20, dtype=torch.int64)}
