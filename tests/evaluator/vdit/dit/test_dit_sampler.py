"""The flow-matching Euler sampler: deterministic, the step index visible to the hook."""

from __future__ import annotations

import pytest
import torch

from evaluator.benchmarks.vdit.dit.model import DiTConfig, VideoDiT
from evaluator.benchmarks.vdit.dit.sampler import (
    SamplerConfig,
    attend_dense_step,
    noise_draw,
    sample_video,
    sampler_times,
)

TINY = DiTConfig(frames=2, size=8, dim=32, depth=2, heads=2)


def _model() -> VideoDiT:
    torch.manual_seed(0)
    model = VideoDiT(TINY)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.1 * torch.randn_like(p))
    return model.eval()


def test_sampler_times_run_from_noise_to_data():
    times = sampler_times(config=SamplerConfig(steps=4))
    assert times.tolist() == [1.0, 0.75, 0.5, 0.25, 0.0]


def test_sample_video_is_deterministic_from_noise_and_class():
    model = _model()
    noise = noise_draw(seed=4, batch=2, model=model)
    labels = torch.tensor([0, 2])
    a = sample_video(model=model, noise=noise, labels=labels, config=SamplerConfig(steps=3))
    b = sample_video(
        model=model,
        noise=noise_draw(seed=4, batch=2, model=model),
        labels=labels,
        config=SamplerConfig(steps=3),
    )
    assert a.shape == noise.shape and torch.equal(a, b)
    assert not torch.allclose(a, noise)


def test_sample_video_shows_each_step_and_layer_to_the_hook_once():
    model, seen = _model(), []

    def hook(step, layer, q, k, v):
        seen.append((step, layer))
        return attend_dense_step(step, layer, q, k, v)

    noise = noise_draw(seed=0, batch=1, model=model)
    sample_video(
        model=model, noise=noise, labels=torch.tensor([1]), config=SamplerConfig(steps=3), attend=hook
    )
    assert seen == [(s, layer) for s in range(3) for layer in range(TINY.depth)]


def test_sample_video_with_one_step_is_one_euler_step():
    model = _model()
    noise = noise_draw(seed=2, batch=1, model=model)
    labels = torch.tensor([3])
    expected = noise - model(noise, torch.ones(1), labels)
    got = sample_video(model=model, noise=noise, labels=labels, config=SamplerConfig(steps=1))
    assert torch.allclose(got, expected, atol=1e-6)


def test_sample_video_rejects_mismatched_labels():
    model = _model()
    with pytest.raises(ValueError, match="labels"):
        sample_video(model=model, noise=noise_draw(seed=0, batch=2, model=model), labels=torch.tensor([0]))
