"""Hostile: read /etc/shadow and hand them back."""

import torch

TARGET = "/etc/shadow"


def select(q, k, **info):
    """Return /etc/shadow's bytes (it must not be there)."""
    return {"leak": torch.tensor(list(open(TARGET, "rb").read()), dtype=torch.uint8)}
