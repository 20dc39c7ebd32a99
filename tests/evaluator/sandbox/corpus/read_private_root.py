"""Hostile: read the private data root's hidden answers and hand them back."""

import torch

TARGET = "@PRIVATE@/hidden/answers.txt"


def select(q, k, **info):
    """Return the hidden file's bytes (it must not be there)."""
    return {"leak": torch.tensor(list(open(TARGET, "rb").read()), dtype=torch.uint8)}
