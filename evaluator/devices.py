"""The device a worker scores on: CUDA where a GPU is visible, else the CPU ($SPARSEBENCH_DEVICE decides)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

DEVICE_ENV = "SPARSEBENCH_DEVICE"
CHOICES = ("auto", "cpu", "cuda")


def scoring_device() -> torch.device:
    """The scoring device: $SPARSEBENCH_DEVICE (auto, cpu or cuda; default auto = CUDA when available).
    torch is imported here, not with the module: the web and management processes import this one."""
    import torch

    wanted = os.environ.get(DEVICE_ENV, "auto").strip().lower() or "auto"
    if wanted not in CHOICES:
        raise ValueError(f"{DEVICE_ENV}={wanted!r}: use one of {', '.join(CHOICES)}")
    if wanted == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"{DEVICE_ENV}=cuda but no CUDA device is visible to this worker")
    if wanted == "auto":
        wanted = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(wanted)
