"""The attention hooks: the method's output, density and error as an independent computation gives them."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from evaluator.benchmarks.vdit.dit.sampler import noise_draw, sample_video
from evaluator.benchmarks.vdit.submission import VditSubmission
from evaluator.benchmarks.vdit_e2e.hooks import DenseHook, MethodHook
from evaluator.benchmarks.vdit_e2e.run import model_geometry
from kernels.harness import VideoGeometry, method_params
from kernels.method_config import method_config_parse
from kernels.methods.vdit import vdit_build_layout
from kernels.metrics import layout_density

GEOMETRY = VideoGeometry(frames=2, height=16, width=16)


def _qkv(seed: int = 0) -> tuple[torch.Tensor, ...]:
    g = torch.Generator().manual_seed(seed)
    return tuple(torch.randn(1, 2, 512, 16, generator=g) for _ in range(3))


def _independent_rel_l2(out: torch.Tensor, q, k, v) -> float:
    """||out - softmax(qk^T / sqrt d) v|| / ||softmax(qk^T / sqrt d) v||, float64."""
    q, k, v = q.double(), k.double(), v.double()
    ref = torch.softmax(q @ k.transpose(-1, -2) / q.shape[-1] ** 0.5, dim=-1) @ v
    return float((out.double() - ref).norm() / ref.norm())


def test_method_hook_measures_density_and_error_of_what_it_computed() -> None:
    config = method_config_parse({"method": "sparse_vdit", "params": {"mode": "diagonal"}})
    hook = MethodHook(submission=VditSubmission(method=config), geometry=GEOMETRY, seed=3, measure=True)
    q, k, v = _qkv()
    out = hook(4, 1, q, k, v)
    (record,) = hook.records
    assert (record.step, record.layer) == (4, 1)
    assert record.rel_l2 == pytest.approx(_independent_rel_l2(out, q, k, v), rel=1e-4)
    layout = vdit_build_layout(q, k, method_params(config, geometry=GEOMETRY))
    assert record.density == pytest.approx(layout_density(layout))
    assert 0 < record.density < 1 and record.rel_l2 > 1e-3
    assert hook.estimator_ms > 0 and hook.attention_ms > 0 and hook.measure_ms > 0


def test_method_hook_runs_psa_dense_during_its_warm_up() -> None:
    config = method_config_parse({"method": "psa", "preset": "wan2.1-1.3b", "params": {"warmup_steps": 2}})
    hook = MethodHook(submission=VditSubmission(method=config), geometry=GEOMETRY, seed=3, measure=True)
    q, k, v = _qkv(1)
    warm = hook(1, 0, q, k, v)
    sparse = hook(2, 0, q, k, v)
    torch.testing.assert_close(warm, F.scaled_dot_product_attention(q, k, v))
    assert hook.records[0].density == 1.0 and hook.records[0].rel_l2 < 1e-6
    assert hook.records[1].density < 1.0
    assert not torch.allclose(sparse, warm)


def test_dense_hook_samples_the_default_video(tiny_weights) -> None:
    from evaluator.benchmarks.vdit.dit.weights import weights_load

    model = weights_load(path=tiny_weights)
    noise = noise_draw(seed=5, batch=1, model=model)
    labels = torch.tensor([2])
    hook = DenseHook()
    hooked = sample_video(model=model, noise=noise, labels=labels, attend=hook)
    torch.testing.assert_close(hooked, sample_video(model=model, noise=noise, labels=labels))
    assert hook.attention_ms > 0
    assert model_geometry(model) == GEOMETRY
