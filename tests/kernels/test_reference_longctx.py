"""Specs: the fast block top-k, Quest, SnapKV and Ada-SnapKV keep what the slow float64 references keep."""

from __future__ import annotations

import pytest
import torch

from kernels.decode import decode_counted, decode_steps_plan
from kernels.methods.block_topk import BlockTopkParams, block_topk_build_layout
from kernels.methods.quest import QuestParams
from kernels.methods.snapkv import SnapKvParams
from kernels.metrics import layout_density
from kernels.reference_longctx import (
    block_density_reference,
    block_topk_reference,
    quest_reference,
    snapkv_reference,
)
from kernels.workloads_text import TextWorkloadSpec, text_workload_generate


def random_inputs(n: int = 256, seed: int = 0):
    """Gaussian q ``[1, 4, n, 16]`` with two KV heads."""
    g = torch.Generator().manual_seed(seed)
    return (
        torch.randn(1, 4, n, 16, generator=g),
        torch.randn(1, 2, n, 16, generator=g),
        torch.randn(1, 2, n, 16, generator=g),
    )


def structured_inputs():
    """The long-context workload's five head patterns, each query head its own KV head."""
    spec = TextWorkloadSpec(
        n_tokens=512,
        head_dim=16,
        window=64,
        slash_offset=128,
        needles=4,
        needle_tokens=16,
        retrieval_block=128,
        temperature=2.0,
        seed=5,
    )
    work = text_workload_generate(spec=spec)
    return work.q, work.k, work.v


INPUTS = {"random": random_inputs, "structured": structured_inputs}


@pytest.mark.parametrize("inputs", INPUTS)
@pytest.mark.parametrize("top_k", [3, 6])
def test_block_topk_keeps_the_reference_blocks_and_density(inputs, top_k):
    q, k, _ = INPUTS[inputs]()
    if inputs == "structured":  # the slash head's blocks at +-offset tie within float32: rank in float64
        q, k = q.double(), k.double()
    layout = block_topk_build_layout(q, k, BlockTopkParams(block_size=16, top_k=top_k))
    expected = block_topk_reference(q, k, block=16, top_k=top_k)
    assert torch.equal(layout.block_mask(), expected)
    assert layout_density(layout) == pytest.approx(block_density_reference(expected), abs=1e-12)


def _served(method: str, params, q, k, v, steps: int):
    """The decode plan's kept tokens per step and its density, run without timing."""
    plan = decode_steps_plan(method, params, q=q, k=k, v=v, steps=steps)
    state = plan.prepare()
    kept = []
    for t in range(steps):
        chosen = plan.select(state, t)
        plan.attend(chosen, t)
        kept.append(plan.kept(chosen, t))
    return plan.prompt, kept, decode_counted(q=q, k=k, kept=kept, prompt=plan.prompt)[0]


@pytest.mark.parametrize("inputs", INPUTS)
@pytest.mark.parametrize("budget", [64, 1024])  # 1024: a cache within the budget keeps every page
def test_quest_keeps_the_reference_pages_at_every_step(inputs, budget):
    q, k, v = INPUTS[inputs]()
    params = QuestParams(page_size=16, token_budget=budget)
    prompt, kept, density = _served("quest", params, q, k, v, steps=4)
    expected = []
    for t, got in enumerate(kept):
        p = prompt + t
        ref = quest_reference(q[:, :, p : p + 1], k, position=p, page_size=16, token_budget=budget)
        assert torch.equal(got, ref), t
        expected.append(float(ref.double().mean()))
    assert density == pytest.approx(sum(expected) / len(expected), abs=1e-12)


@pytest.mark.parametrize("inputs", INPUTS)
@pytest.mark.parametrize("adaptive", [False, True])
def test_snapkv_evicts_the_reference_tokens_from_the_prompt_alone(inputs, adaptive):
    q, k, v = INPUTS[inputs]()
    params = SnapKvParams(capacity=64, window=32, pool_kernel=15, sink=4, recent=16, adaptive=adaptive)
    prompt, kept, density = _served("ada_snapkv" if adaptive else "snapkv", params, q, k, v, steps=3)
    ref = snapkv_reference(
        q[:, :, :prompt],
        k[:, :, :prompt],
        capacity=64,
        window=32,
        pool_kernel=15,
        sink=4,
        recent=16,
        adaptive=adaptive,
    )
    assert int(ref.sum()) == 64 * k.shape[1]
    expected = []
    for t, got in enumerate(kept):
        assert torch.equal(got[..., :prompt], ref) and bool(got[..., prompt:].all())
        expected.append((float(ref.double().sum(-1).mean()) + t + 1) / (prompt + t + 1))
    assert density == pytest.approx(sum(expected) / len(expected), abs=1e-12)
