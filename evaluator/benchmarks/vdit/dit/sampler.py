"""Deterministic flow-matching Euler sampler; the attention hook sees the step index."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from .model import VideoDiT, attend_dense
from .placement import model_device

#: attend(step, layer, q, k, v) -> out.
StepAttend = Callable[[int, int, torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]


def attend_dense_step(
    step: int, layer: int, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor
) -> torch.Tensor:
    """Dense attention at every step (the default)."""
    return attend_dense(layer, q, k, v)


@dataclass(frozen=True)
class SamplerConfig:
    """Number of Euler steps from t = 1 (noise) to t = 0 (data)."""

    steps: int = 16

    def __post_init__(self) -> None:
        if self.steps < 1:
            raise ValueError(f"SamplerConfig.steps must be >= 1, got {self.steps}")


def sampler_times(*, config: SamplerConfig) -> torch.Tensor:
    """The step boundaries, steps + 1 times from 1 down to 0."""
    return torch.linspace(1.0, 0.0, config.steps + 1)


def noise_draw(*, seed: int, batch: int, model: VideoDiT) -> torch.Tensor:
    """Standard normal starting noise of a seed, shaped for the model, on the model's device: drawn from
    the CPU generator and moved, so that a seed gives the same noise on every device."""
    cfg = model.config
    g = torch.Generator().manual_seed(seed)
    noise = torch.randn(batch, cfg.channels, cfg.frames, cfg.size, cfg.size, generator=g)
    return noise.to(model_device(model))


@torch.no_grad()
def sample_video(
    *,
    model: VideoDiT,
    noise: torch.Tensor,
    labels: torch.Tensor,
    config: SamplerConfig = SamplerConfig(),
    attend: StepAttend = attend_dense_step,
) -> torch.Tensor:
    """Integrate dx/dt = v(x, t) from the noise at t = 1 to t = 0; returns videos in about [-1, 1] (on the
    noise's device, the model's; the labels are moved there)."""
    if labels.shape != (noise.shape[0],):
        raise ValueError(f"labels shape {tuple(labels.shape)} must be ({noise.shape[0]},)")
    times = sampler_times(config=config)
    x = noise.clone()
    labels = labels.to(x.device)
    for step in range(config.steps):
        t, t_next = float(times[step]), float(times[step + 1])

        def hook(
            layer: int, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, _step: int = step
        ) -> torch.Tensor:
            return attend(_step, layer, q, k, v)

        velocity = model(x, torch.full((x.shape[0],), t, device=x.device), labels, attend=hook)
        x = x + (t_next - t) * velocity
    return x
