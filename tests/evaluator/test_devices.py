"""The scoring device: $SPARSEBENCH_DEVICE chooses, auto follows what torch sees."""

import pytest
import torch

from evaluator.devices import DEVICE_ENV, scoring_device


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
