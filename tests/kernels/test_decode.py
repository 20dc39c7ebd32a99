"""Specs for the decode protocol: prompt-only eviction, and each step over the cache plus the new tokens."""

from __future__ import annotations

import pytest
import torch

from kernels.decode import decode_split, decode_steps_plan
from kernels.methods.quest import QuestParams
from kernels.methods.snapkv import SnapKvParams
from kernels.metrics import attention_error
from kernels.reference import dense_attention_reference


def _inputs(n=320, seed=1):
    g = torch.Generator().manual_seed(seed)
    return (
        torch.randn(1, 4, n, 16, generator=g),
        torch.randn(1, 2, n, 16, generator=g),
        torch.randn(1, 2, n, 16, generator=g),
    )


def _run(method, params, q, k, v, steps):
    plan = decode_steps_plan(method, params, q=q, k=k, v=v, steps=steps)
    state = plan.prepare()
    outs, kept = [], []
    for t in range(steps):
        chosen = plan.select(state, t)
        outs.append(plan.attend(chosen, t))
        kept.append(plan.kept(chosen, t))
    return plan.prompt, outs, kept


def test_decode_split_refuses_steps_outside_the_sequence():
    assert decode_split(n_tokens=100, steps=16) == 84
    for steps in (0, 100):
        with pytest.raises(ValueError, match="decode steps"):
            decode_split(n_tokens=100, steps=steps)


@pytest.mark.parametrize("adaptive", [False, True])
def test_eviction_ignores_the_decode_queries_it_is_scored_on(adaptive):
    q, k, v = _inputs()
    params = SnapKvParams(capacity=64, window=32, recent=16, adaptive=adaptive)
    method = "ada_snapkv" if adaptive else "snapkv"
    _, _, kept = _run(method, params, q, k, v, steps=8)
    q2 = q.clone()
    q2[:, :, -8:] = 10.0 * torch.randn(1, 4, 8, 16, generator=torch.Generator().manual_seed(9))
    _, _, kept2 = _run(method, params, q2, k, v, steps=8)
    assert all(torch.equal(a, b) for a, b in zip(kept, kept2, strict=True))


@pytest.mark.parametrize(
    "method,params",
    [
        ("snapkv", SnapKvParams(capacity=64, window=32, recent=16)),
        ("ada_snapkv", SnapKvParams(capacity=64, window=32, recent=16, adaptive=True)),
        ("quest", QuestParams(page_size=16, token_budget=64)),
    ],
)
def test_each_step_attends_the_kept_cache_and_the_new_tokens_exactly(method, params):
    q, k, v = _inputs()
    prompt, outs, kept = _run(method, params, q, k, v, steps=5)
    for t, (out, keep) in enumerate(zip(outs, kept, strict=True)):
        p = prompt + t
        assert keep.shape == (1, 2, p + 1) and bool(keep[..., p].all())
        mask = keep.repeat_interleave(2, dim=1).unsqueeze(2)
        ref = dense_attention_reference(q[:, :, p : p + 1], k[:, :, : p + 1], v[:, :, : p + 1], mask)
        assert attention_error(out, ref).rel_l2 <= 1e-5


def test_ada_snapkv_heads_keep_different_counts_of_the_prompt():
    q, k, v = _inputs()
    params = SnapKvParams(capacity=64, window=32, recent=16, adaptive=True)
    prompt, _, kept = _run("ada_snapkv", params, q, k, v, steps=2)
    counts = kept[0][..., :prompt].sum(-1).flatten().tolist()
    assert sum(counts) == 128 and min(counts) >= max(int(0.2 * 64), 20) and len(set(counts)) == 2
