"""The bubblewrap command line: GPU device nodes are bound only on a worker that scores on CUDA."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from evaluator.sandbox import SandboxSpec
from evaluator.sandbox import command as command_module
from evaluator.sandbox.command import bwrap_command

NODES = ("nvidia0", "nvidia1", "nvidiactl", "nvidia-uvm", "null")


@pytest.fixture
def fake_dev(tmp_path, monkeypatch):
    """A device folder holding stand-ins for two GPUs, the driver's control nodes and /dev/null."""
    for name in NODES:
        (tmp_path / name).write_text("")
    (tmp_path / "nvidia-caps").mkdir()
    monkeypatch.setattr(command_module, "DEV_ROOT", str(tmp_path))
    monkeypatch.setattr(command_module.shutil, "which", lambda name: f"/usr/bin/{name}")
    return tmp_path


def _argv(*, gpu: bool) -> list[str]:
    spec = dataclasses.replace(SandboxSpec(), gpu=gpu)
    return bwrap_command(spec=spec, kernels_dir="/k", data_fds={}, python_args=["python"])


def _dev_binds(argv: list[str]) -> list[tuple[str, str]]:
    """(host, inside) of every --dev-bind."""
    return [(argv[i + 1], argv[i + 2]) for i, arg in enumerate(argv) if arg == "--dev-bind"]


def test_a_cpu_worker_binds_no_gpu_node_even_where_the_nodes_exist(fake_dev, monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1")
    argv = _argv(gpu=False)
    assert _dev_binds(argv) == []
    assert not [arg for arg in argv if "nvidia" in arg or "CUDA_VISIBLE" in arg]
    assert argv[argv.index("--dev") + 1] == "/dev"  # the minimal /dev of bubblewrap only


def test_a_gpu_worker_binds_each_gpu_and_the_driver_nodes(fake_dev, monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1")
    argv = _argv(gpu=True)
    want = ["nvidia0", "nvidia1", "nvidiactl", "nvidia-uvm", "nvidia-caps"]
    assert _dev_binds(argv) == [(str(fake_dev / name), f"/dev/{name}") for name in want]
    assert argv.index("--dev-bind") > argv.index("--dev")  # onto bubblewrap's /dev, not under it
    at = argv.index("CUDA_VISIBLE_DEVICES")
    assert argv[at - 1 : at + 2] == ["--setenv", "CUDA_VISIBLE_DEVICES", "1"]


def test_a_gpu_worker_without_nodes_binds_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(command_module, "DEV_ROOT", str(tmp_path / "missing"))
    monkeypatch.setattr(command_module.shutil, "which", lambda name: f"/usr/bin/{name}")
    assert _dev_binds(_argv(gpu=True)) == []


@pytest.mark.parametrize(
    ("device", "cuda", "gpu"),
    [("auto", False, False), ("auto", True, True), ("cpu", True, False), ("cuda", True, True)],
)
def test_the_default_spec_lends_gpus_only_where_the_worker_scores_on_cuda(monkeypatch, device, cuda, gpu):
    monkeypatch.setenv("SPARSEBENCH_DEVICE", device)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    assert SandboxSpec().gpu is gpu
