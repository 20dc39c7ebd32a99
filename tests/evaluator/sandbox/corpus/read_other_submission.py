"""Hostile: read another submission and hand them back."""

import torch

TARGET = "@OTHERS@/alice/submission.py"


def select(q, k, **info):
    """Return the other submission's bytes (it must not be there)."""
    return {"leak": torch.tensor(list(open(TARGET, "rb").read()), dtype=torch.uint8)}
