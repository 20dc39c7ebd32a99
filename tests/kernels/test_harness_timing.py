"""Specs for kernels.harness.timed_call: the call's result and its wall time, CUDA's queue waited for."""

from __future__ import annotations

import time

import torch

from kernels.harness import timed_call


def test_timed_call_returns_the_result_and_the_milliseconds_it_took():
    ms, result = timed_call(lambda: (time.sleep(0.02), 7)[1], device=torch.device("cpu"))
    assert result == 7 and ms >= 20.0


def test_timed_call_on_the_cpu_never_touches_cuda(monkeypatch):
    def refuse(*args):
        raise AssertionError("synchronised a CPU call")

    monkeypatch.setattr(torch.cuda, "synchronize", refuse)
    assert timed_call(lambda: 1, device="cpu")[1] == 1


def test_timed_call_on_cuda_waits_for_the_device_before_and_after(monkeypatch):
    events = []
    monkeypatch.setattr(torch.cuda, "synchronize", lambda device=None: events.append(("sync", device)))
    ms, result = timed_call(lambda: events.append("call") or "out", device="cuda:1")
    assert result == "out" and ms >= 0.0
    assert events == [("sync", torch.device("cuda:1")), "call", ("sync", torch.device("cuda:1"))]


def test_timed_call_counts_the_wait_for_the_queued_work(monkeypatch):
    monkeypatch.setattr(torch.cuda, "synchronize", lambda device=None: time.sleep(0.03))
    ms, _ = timed_call(lambda: None, device="cuda")
    assert ms >= 30.0  # the closing wait is inside the timed span (the opening one is not)
