"""Specs for the synthetic workload generator and the space-filling curves."""

import pytest
import torch

from kernels.curves import hilbert_order, position_major_order
from kernels.workloads import WorkloadSpec, workload_generate


def test_workload_generate_shapes_and_determinism():
    spec = WorkloadSpec(frames=2, height=4, width=8, text_tokens=16, head_dim=8, batch=2)
    a, b = workload_generate(spec=spec), workload_generate(spec=spec)
    assert a.q.shape == (2, 4, 80, 8) and torch.equal(a.k, b.k)


def test_workload_heads_follow_their_pattern():
    spec = WorkloadSpec(frames=4, height=8, width=8, head_dim=32, stripe_keys=2)
    w = workload_generate(spec=spec)
    p = torch.softmax(w.q[0] @ w.k[0].transpose(-1, -2) / 32**0.5, -1)
    i = torch.arange(256)
    same_frame = (i.view(-1, 1) // 64) == (i.view(1, -1) // 64)
    same_pos = (i.view(-1, 1) % 64) == (i.view(1, -1) % 64)
    assert float((p[0] * same_frame).sum(1).mean()) > 0.8
    assert (
        float((p[1] * (same_pos | ((i.view(-1, 1) % 64) - (i.view(1, -1) % 64)).abs().le(2))).sum(1).mean())
        > 0.8
    )
    assert float(p[2].sum(0).topk(2).values.sum() / 256) > 0.8


def test_workload_rejects_unknown_pattern():
    with pytest.raises(ValueError, match="unknown head patterns"):
        workload_generate(spec=WorkloadSpec(frames=1, height=2, width=2, heads=("spiral",)))


def test_hilbert_order_moves_to_a_grid_neighbour_each_step():
    perm = hilbert_order(frames=4, height=4, width=4)
    coords = torch.stack([perm // 16, (perm // 4) % 4, perm % 4], dim=1)
    assert sorted(perm.tolist()) == list(range(64))
    assert (coords[1:] - coords[:-1]).abs().sum(1).eq(1).all()


def test_position_major_order_groups_frames_of_one_position():
    perm = position_major_order(frames=3, frame_tokens=4, extra_tokens=2)
    assert perm.tolist() == [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11, 12, 13]
