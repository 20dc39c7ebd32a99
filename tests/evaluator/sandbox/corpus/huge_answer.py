"""Hostile: an answer far larger than the answer region."""

import torch


def select(q, k, **info):
    """Return 512 MiB of indices."""
    return {"kv_indices": torch.zeros(64 << 20, dtype=torch.int64)}
