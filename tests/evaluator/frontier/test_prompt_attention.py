"""A prompt's dense attention by head structure (prefix, band, conv, distinct, SDPA) on the wired model's
own q, k, v."""

from __future__ import annotations

from collections import Counter
from functools import cache

import pytest
import torch
import torch.nn.functional as F
from sb_frontier import sample_cached

from evaluator.benchmarks.frontier import tokenizer_frontier
from evaluator.benchmarks.frontier.hooks import CapturingDense
from evaluator.benchmarks.frontier.model import WiredModel
from evaluator.benchmarks.frontier.model.prompt_attention import causal_attention, prompt_routes
from evaluator.benchmarks.frontier.model.protocol import model_prefill


def dense64(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Causal softmax attention in float64 written out (GQA expanded)."""
    group = q.shape[1] // k.shape[1]
    k64, v64 = (x.double().repeat_interleave(group, dim=1) for x in (k, v))
    scores = q.double() @ k64.transpose(-1, -2) * q.shape[-1] ** -0.5
    later = torch.ones(q.shape[2], q.shape[2], dtype=torch.bool).triu(1)
    return torch.softmax(scores.masked_fill(later, float("-inf")), dim=-1) @ v64


def rel(out: torch.Tensor, ref: torch.Tensor) -> float:
    """Relative L2 difference."""
    return float((out.double() - ref).norm() / ref.norm())


@cache
def prompt_inputs() -> dict[int, tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """Each layer's q, k, v of a 1,024-token VT prompt through the default model."""
    capture = CapturingDense()
    model_prefill(model=WiredModel(tokenizer=tokenizer_frontier()), sample=sample_cached("ruler_vt", 0, 1024),
                  attention=capture.prefill)  # fmt: skip
    return capture.prompt


@pytest.mark.parametrize("layer", range(5))
def test_each_head_is_as_close_to_float64_as_sdpa(layer):
    q, k, v = prompt_inputs()[layer]
    ref, out = dense64(q, k, v), causal_attention(q, k, v)
    sdpa = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
    for h in range(q.shape[1]):
        assert rel(out[:, h], ref[:, h]) <= 1.5 * rel(sdpa[:, h], ref[:, h]) + 1e-6, f"head {h}"


def test_the_model_has_heads_of_every_route_and_a_model_without_them_takes_sdpa_unchanged():
    routes = Counter(r.kind for q, k, _ in prompt_inputs().values() for r in prompt_routes(q, k))
    # sinks, verticals, gates and flags; the copy heads; the broad local heads; the common-word heads
    assert routes["prefix"] >= 10 and routes["band"] >= 8 and routes["conv"] == 4 and routes["distinct"] >= 3
    g = torch.Generator().manual_seed(0)
    q = torch.randn(1, 8, 600, 64, generator=g)
    k, v = torch.randn(1, 2, 600, 64, generator=g), torch.randn(1, 2, 600, 64, generator=g)
    sdpa = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
    assert torch.equal(causal_attention(q, k, v), sdpa)
