"""The vdit-e2e DiT on an explicit device: model_on, noise from the CPU generator, every tensor of the
phase model on its device, and score() routing a GPU phase to phase_device's choice (CUDA faked here)."""

from __future__ import annotations

import pytest
import torch
from sb_seeds import seeds_for

from evaluator.benchmarks.vdit.dit.frames import model_for_frames
from evaluator.benchmarks.vdit.dit.placement import model_device, model_on
from evaluator.benchmarks.vdit.dit.sampler import SamplerConfig, noise_draw, sample_video
from evaluator.benchmarks.vdit_e2e import VditE2eBenchmark
from evaluator.benchmarks.vdit_e2e.phases import PHASE_PLANS
from evaluator.contract import Payload
from evaluator.devices import DEVICE_ENV, tensors_walk

from .conftest import tiny_model

CPU = torch.device("cpu")


def devices_of(obj: object) -> dict[str, torch.device]:
    """Each tensor's path -> device, for every tensor reachable from ``obj``."""
    return {path: t.device for path, t in tensors_walk(obj)}


def test_model_on_its_own_device_is_the_model_itself():
    model = tiny_model()
    assert model_device(model) == CPU
    assert model_on(model, "cpu") is model and model_on(model, CPU) is model


def test_a_longer_model_keeps_every_tensor_on_the_model_device():
    longer = model_for_frames(tiny_model(), frames=4)
    found = devices_of(longer)
    assert "angles" in found and "blocks.0.qkv.weight" in found
    assert set(found.values()) == {CPU}


def test_noise_is_the_cpu_generator_draw_on_the_model_device():
    model = tiny_model()
    cfg = model.config
    gen = torch.Generator().manual_seed(9)
    want = torch.randn(1, cfg.channels, cfg.frames, cfg.size, cfg.size, generator=gen)
    noise = noise_draw(seed=9, batch=1, model=model)
    assert noise.device == model_device(model) and torch.equal(noise, want)


def test_sampling_takes_labels_from_anywhere_and_returns_on_the_noise_device():
    model = tiny_model()
    noise = noise_draw(seed=3, batch=1, model=model)
    video = sample_video(model=model, noise=noise, labels=torch.tensor([1]), config=SamplerConfig(steps=1))
    assert video.device == noise.device and video.shape == noise.shape


@pytest.fixture(scope="module")
def built(tmp_path_factory, tiny_weights):
    bench = VditE2eBenchmark(steps=1, video_count=1, repeats=1, weights=tiny_weights)
    out = tmp_path_factory.mktemp("vdit-e2e-device")
    bench.build(out, seeds=seeds_for())
    return bench, out


def test_phase_models_are_made_once_per_device_and_hold_everything_there(built):
    bench, _ = built
    for plan in PHASE_PLANS:
        model = bench.phase_model(plan.slug, "cpu")
        assert model is bench.phase_model(plan.slug, CPU) is bench.phase_model(plan.slug)
        assert set(devices_of(model).values()) == {CPU}


class _Routed(Exception):
    """Raised by the stand-in phase model: the device score() asked for."""

    def __init__(self, device):
        super().__init__(str(device))
        self.device = torch.device(device)


@pytest.fixture
def fake_cuda(built, monkeypatch):
    """A worker on which torch sees CUDA; the benchmark's phase model records the device it is asked for."""
    monkeypatch.delenv(DEVICE_ENV, raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)

    def phase_model(phase, device="cpu"):
        raise _Routed(device)

    monkeypatch.setattr(built[0], "phase_model", phase_model)


def _routed(bench, out, phase) -> torch.device:
    with pytest.raises(_Routed) as caught:
        bench.score(Payload(phase, out / "public", config={"method": "dense"}), out / "hidden")
    return caught.value.device


def test_score_routes_the_gpu_phase_to_cuda_and_the_others_to_the_cpu(built, fake_cuda):
    bench, out = built
    for plan in PHASE_PLANS:
        assert _routed(bench, out, plan.slug).type == ("cuda" if plan.needs_gpu else "cpu"), plan.slug
    assert any(plan.needs_gpu for plan in PHASE_PLANS)


def test_score_honours_a_cpu_setting_on_a_cuda_worker(built, fake_cuda, monkeypatch):
    bench, out = built
    monkeypatch.setenv(DEVICE_ENV, "cpu")
    gpu_phase = next(plan.slug for plan in PHASE_PLANS if plan.needs_gpu)
    assert _routed(bench, out, gpu_phase) == CPU


def test_score_logs_the_device_it_ran_on(built):
    bench, out = built
    report = bench.score(Payload("dev", out / "public", config={"method": "dense"}), out / "hidden")
    assert "model on cpu" in report.log
