"""Specs for the synthetic long-context workload: every head follows its pattern under causal softmax."""

from __future__ import annotations

import pytest
import torch

from kernels.workloads_text import TEXT_PATTERNS, TextWorkloadSpec, text_workload_generate

SPEC = TextWorkloadSpec(n_tokens=2048, head_dim=64, window=128, slash_offset=512, retrieval_block=256)


@pytest.fixture(scope="module")
def probs() -> dict[str, torch.Tensor]:
    w = text_workload_generate(spec=SPEC)
    i = torch.arange(SPEC.n_tokens)
    future = i.view(1, -1) > i.view(-1, 1)
    out = {}
    for h, pattern in enumerate(SPEC.heads):
        scores = (w.q[0, h] @ w.k[0, h].T / SPEC.head_dim**0.5).masked_fill(future, float("-inf"))
        out[pattern] = torch.softmax(scores, -1)
    return out


def offsets() -> torch.Tensor:
    i = torch.arange(SPEC.n_tokens)
    return i.view(-1, 1) - i.view(1, -1)


def test_text_workload_shapes_and_determinism():
    a, b = text_workload_generate(spec=SPEC), text_workload_generate(spec=SPEC)
    assert a.q.shape == (1, len(TEXT_PATTERNS), 2048, 64) and torch.equal(a.k, b.k) and a.spec is SPEC


def test_local_heads_stay_in_their_window_and_sinks(probs):
    near = offsets().abs() < SPEC.window
    assert float((probs["local"] * near).sum(1)[256:].mean()) > 0.9
    sinks = near | (torch.arange(SPEC.n_tokens) < SPEC.sink_tokens).view(1, -1)
    assert float((probs["sink_local"] * sinks).sum(1)[256:].mean()) > 0.9
    assert float(probs["sink_local"][256:, : SPEC.sink_tokens].sum(1).mean()) > 0.05


def test_vertical_head_attends_to_shared_columns(probs):
    late = probs["vertical"][1024:]
    top = late.sum(0).topk(SPEC.vertical_keys).indices
    assert float(late[:, top].sum(1).mean()) > 0.85


def test_slash_head_attends_a_fixed_offset_back(probs):
    band = (offsets() - SPEC.slash_offset).abs() <= 32
    assert float((probs["slash"] * band).sum(1)[SPEC.slash_offset + 64 :].mean()) > 0.7


def test_retrieval_head_looks_up_a_different_span_per_query_block(probs):
    p = probs["retrieval"][SPEC.retrieval_block :]
    assert float(p.topk(SPEC.needle_tokens, dim=-1).values.sum(-1).mean()) > 0.9
    looked_up = p.argmax(-1).view(-1, SPEC.retrieval_block).float().mean(1) // SPEC.needle_tokens
    assert looked_up.unique().numel() > 1  # not one shared column: the span depends on the query block
    assert bool((p.argmax(-1) < SPEC.retrieval_block).all())  # every needle lies in the first block


@pytest.mark.parametrize(
    "spec,message",
    [
        (TextWorkloadSpec(n_tokens=1024, heads=("spiral",)), "unknown head patterns"),
        (TextWorkloadSpec(n_tokens=256), "n_tokens >= 2 \\* retrieval_block"),
        (TextWorkloadSpec(n_tokens=1024, needles=16, needle_tokens=32), "needles must fit"),
    ],
)
def test_text_workload_rejects_bad_specs(spec, message):
    with pytest.raises(ValueError, match=message):
        text_workload_generate(spec=spec)
