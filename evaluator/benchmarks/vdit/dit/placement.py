"""Where a DiT runs: the device of its tensors (model_device) and a copy of it on another (model_on)."""

from __future__ import annotations

import copy

import torch

from .model import VideoDiT


def model_device(model: VideoDiT) -> torch.device:
    """The device of the model's parameters (all on one: model_on moves them together)."""
    return next(model.parameters()).device


def model_on(model: VideoDiT, device: torch.device | str) -> VideoDiT:
    """``model`` itself where it already is on ``device``, else a copy there (weights and RoPE angles;
    the original stays where it was, e.g. the CPU model a loader caches)."""
    device = torch.device(device)
    if _same(model_device(model), device):
        return model
    moved = copy.deepcopy(model).to(device)
    return moved.eval().requires_grad_(False)


def _same(a: torch.device, b: torch.device) -> bool:
    """Whether two devices are the same one ("cuda" being the current CUDA device)."""
    if a.type != b.type:
        return False
    if a.type != "cuda" or a.index == b.index:
        return True
    current = torch.cuda.current_device()
    return (current if a.index is None else a.index) == (current if b.index is None else b.index)
