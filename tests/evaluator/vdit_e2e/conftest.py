"""A tiny randomly initialised DiT (2 frames of 32 x 32 pixels, 512 tokens) for the end-to-end tests."""

from __future__ import annotations

import pytest
import torch

from evaluator.benchmarks.vdit.dit.model import DiTConfig, VideoDiT
from evaluator.benchmarks.vdit.dit.weights import weights_save

TINY = DiTConfig(frames=2, size=32, dim=32, depth=2, heads=2)


def tiny_model(seed: int = 0) -> VideoDiT:
    """The tiny DiT with every layer random (adaLN-Zero's zeroed layers too, so attention matters)."""
    torch.manual_seed(seed)
    model = VideoDiT(TINY)
    with torch.no_grad():
        for block in model.blocks:
            torch.nn.init.normal_(block.ada.weight, std=0.2)
            torch.nn.init.normal_(block.ada.bias, mean=0.5, std=0.1)
        torch.nn.init.normal_(model.final_ada.weight, std=0.05)
        torch.nn.init.normal_(model.out.weight, std=0.2)
    return model.eval().requires_grad_(False)


@pytest.fixture(scope="session")
def tiny_weights(tmp_path_factory):
    """The tiny DiT saved as safetensors."""
    path = tmp_path_factory.mktemp("tiny-dit") / "weights.safetensors"
    weights_save(model=tiny_model(), path=path)
    return path
