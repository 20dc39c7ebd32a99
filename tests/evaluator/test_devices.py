"""The scoring device: $SPARSEBENCH_DEVICE chooses, auto follows what torch sees."""

from dataclasses import dataclass

import pytest
import torch

from evaluator.devices import DEVICE_ENV, phase_device, scoring_device, tensors_walk


def test_auto_follows_cuda_availability(monkeypatch):
    monkeypatch.delenv(DEVICE_ENV, raising=False)
    assert scoring_device().type == ("cuda" if torch.cuda.is_available() else "cpu")


def test_cpu_forced(monkeypatch):
    monkeypatch.setenv(DEVICE_ENV, "CPU")
    assert scoring_device() == torch.device("cpu")


def test_unknown_value_named(monkeypatch):
    monkeypatch.setenv(DEVICE_ENV, "tpu")
    with pytest.raises(ValueError, match="SPARSEBENCH_DEVICE='tpu'"):
        scoring_device()


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_cuda_without_gpu_refused(monkeypatch):
    monkeypatch.setenv(DEVICE_ENV, "cuda")
    with pytest.raises(ValueError, match="no CUDA device"):
        scoring_device()


def test_vdit_call_workload_moves_to_the_device():
    from evaluator.benchmarks.vdit.model import call_workload, geometry_for, model_draw

    model = model_draw(public_seed=1)
    geometry = geometry_for(frames=2)
    on_cpu = call_workload(model=model, geometry=geometry, seed=5, layer=0)
    same = call_workload(model=model, geometry=geometry, seed=5, layer=0, device=torch.device("cpu"))
    moved = call_workload(model=model, geometry=geometry, seed=5, layer=0, device=torch.device("meta"))
    assert on_cpu.q.device.type == "cpu" and torch.equal(on_cpu.q, same.q)
    assert {t.device.type for t in (moved.q, moved.k, moved.v)} == {"meta"}
    assert moved.q.shape == on_cpu.q.shape


@pytest.fixture
def fake_cuda(monkeypatch):
    """torch says a CUDA device is visible (nothing is allocated on it by phase_device)."""
    monkeypatch.delenv(DEVICE_ENV, raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)


def test_phase_device_gpu_phase_on_a_cuda_worker_is_cuda(fake_cuda):
    assert phase_device(needs_gpu=True, code=False) == torch.device("cuda")


def test_phase_device_cpu_phase_stays_on_the_cpu_of_a_cuda_worker(fake_cuda):
    assert phase_device(needs_gpu=False, code=False) == torch.device("cpu")


def test_phase_device_code_stays_on_the_cpu_where_the_sandbox_answers(fake_cuda):
    assert phase_device(needs_gpu=True, code=True) == torch.device("cpu")
    assert phase_device(needs_gpu=False, code=True) == torch.device("cpu")


def test_phase_device_honours_the_cpu_setting(fake_cuda, monkeypatch):
    monkeypatch.setenv(DEVICE_ENV, "cpu")
    assert phase_device(needs_gpu=True, code=False) == torch.device("cpu")


def test_phase_device_gpu_phase_without_cuda_is_cpu(monkeypatch):
    monkeypatch.delenv(DEVICE_ENV, raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert phase_device(needs_gpu=True, code=False) == torch.device("cpu")


def test_phase_device_cuda_forced_without_gpu_refused(monkeypatch):
    monkeypatch.setenv(DEVICE_ENV, "cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="no CUDA device"):
        phase_device(needs_gpu=True, code=False)
    assert phase_device(needs_gpu=False, code=False) == torch.device("cpu")  # a CPU phase never asks


@dataclass(frozen=True)
class _Part:
    w: torch.Tensor
    bias: torch.Tensor | None


class _Holder:
    def __init__(self):
        self.parts = (_Part(torch.zeros(2), None), _Part(torch.ones(3), torch.ones(1)))
        self.table = {"a": torch.arange(4)}
        self.net = torch.nn.Linear(2, 2)
        self.name = "x"
        self.again = self.parts  # seen once


def test_tensors_walk_finds_every_tensor_with_its_path():
    paths = [p for p, _ in tensors_walk(_Holder())]
    assert paths == ["parts[0].w", "parts[1].w", "parts[1].bias", "table['a']", "net.weight", "net.bias"]
