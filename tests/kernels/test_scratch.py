"""Specs for the per-thread scratch buffers: reused per key and thread, large ones never kept."""

from __future__ import annotations

import threading

import torch

from kernels.backends import scratch
from kernels.backends.scratch import scratch_buffer

CPU = torch.device("cpu")


def test_scratch_buffer_is_reused_for_the_same_key_and_grows_when_needed():
    a = scratch_buffer(key="spec-reuse", numel=100, dtype=torch.float32, device=CPU)
    b = scratch_buffer(key="spec-reuse", numel=50, dtype=torch.float32, device=CPU)
    assert b.numel() == 50 and b.data_ptr() == a.data_ptr()
    c = scratch_buffer(key="spec-reuse", numel=1000, dtype=torch.float32, device=CPU)
    assert c.numel() == 1000
    assert (
        scratch_buffer(key="spec-other", numel=10, dtype=torch.float32, device=CPU).data_ptr() != c.data_ptr()
    )


def test_scratch_buffers_are_private_to_each_thread():
    mine = scratch_buffer(key="spec-thread", numel=64, dtype=torch.float32, device=CPU).data_ptr()
    theirs = []
    worker = threading.Thread(
        target=lambda: theirs.append(
            scratch_buffer(key="spec-thread", numel=64, dtype=torch.float32, device=CPU).data_ptr()
        )
    )
    worker.start()
    worker.join()
    assert theirs and theirs[0] != mine


def test_scratch_buffer_above_the_retention_limit_is_fresh_each_time(monkeypatch):
    monkeypatch.setattr(scratch, "RETAIN_BYTES", 1024)
    small = scratch_buffer(key="spec-limit", numel=256, dtype=torch.float32, device=CPU)
    assert (
        scratch_buffer(key="spec-limit", numel=256, dtype=torch.float32, device=CPU).data_ptr()
        == small.data_ptr()
    )
    big = scratch_buffer(key="spec-limit", numel=257, dtype=torch.float32, device=CPU)
    assert big.numel() == 257
    assert scratch._LOCAL.pool[("spec-limit", torch.float32, CPU)].numel() == 256  # not kept
