"""Specs for target sparsity: the config field, block top-k's formula and the searched budgets."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from kernels.budget import budget_bisect, budget_for_target
from kernels.harness import method_measure, method_params
from kernels.method_config import TARGET_KNOBS, ConfigError, method_config_parse
from kernels.methods.block_topk import (
    BlockTopkParams,
    block_topk_blocks_sparsity,
    block_topk_build_layout,
    block_topk_top_k_for_sparsity,
)
from kernels.methods.quest import QuestParams
from kernels.methods.snapkv import SnapKvParams
from kernels.metrics import layout_density


def _inputs(n=512, seed=2):
    g = torch.Generator().manual_seed(seed)
    return tuple(torch.randn(1, h, n, 16, generator=g) for h in (4, 2, 2))


def test_config_takes_a_target_sparsity_for_long_context_methods():
    config = method_config_parse({"method": "snapkv", "target_sparsity": 0.9, "params": {"window": 64}})
    assert config.target_sparsity == 0.9 and dict(config.settings) == {"window": 64}
    assert method_config_parse({"method": "quest"}).target_sparsity is None


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"method": "quest", "target_sparsity": 1.0}, "target_sparsity", "must lie in \\(0, 1\\)"),
        ({"method": "quest", "target_sparsity": 0}, "target_sparsity", "must lie in \\(0, 1\\)"),
        ({"method": "quest", "target_sparsity": True}, "target_sparsity", "finite number"),
        ({"method": "quest", "target_sparsity": "0.9"}, "target_sparsity", "finite number"),
        ({"method": "psa", "target_sparsity": 0.9}, "target_sparsity", "not offered for psa"),
        (
            {"method": "block_topk", "target_sparsity": 0.9, "params": {"top_k": 8}},
            "params.top_k",
            "chosen from target_sparsity",
        ),
        (
            {"method": "vertical_slash", "target_sparsity": 0.9, "params": {"n_slash": 8}},
            "params.n_slash",
            "chosen from target_sparsity",
        ),
    ],
)
def test_config_refuses_a_bad_target_sparsity_by_name(data, field, message):
    with pytest.raises(ConfigError, match=message) as info:
        method_config_parse(data)
    assert info.value.field == field


@pytest.mark.parametrize("n_tokens,block", [(8192, 16), (4096, 64), (1000, 16)])
@pytest.mark.parametrize("target", [0.5, 0.9, 0.97])
def test_block_topk_top_k_is_the_closest_to_the_target_of_all_counts(n_tokens, block, target):
    top_k = block_topk_top_k_for_sparsity(n_tokens=n_tokens, block_size=block, target_sparsity=target)
    n_b = -(-n_tokens // block)
    gaps = {
        c: abs(block_topk_blocks_sparsity(n_tokens=n_tokens, block_size=block, top_k=c) - target)
        for c in range(3, n_b + 1)
    }
    assert gaps[top_k] == min(gaps.values())


def test_block_topk_formula_is_the_density_the_harness_counts():
    q, k, _ = _inputs()
    for top_k in (3, 7, 32):
        layout = block_topk_build_layout(q, k, BlockTopkParams(block_size=16, top_k=top_k))
        sparsity = block_topk_blocks_sparsity(n_tokens=512, block_size=16, top_k=top_k)
        assert layout_density(layout) == pytest.approx(1.0 - sparsity, abs=1e-12)


@pytest.mark.parametrize(
    "method,params,field,step",
    [
        ("quest", QuestParams(token_budget=64), "token_budget", 16),
        ("snapkv", SnapKvParams(window=32, recent=16), "capacity", 1),
        ("ada_snapkv", SnapKvParams(window=32, recent=16, adaptive=True), "capacity", 1),
    ],
)
def test_searched_budget_beats_its_neighbours_at_the_target(method, params, field, step):
    q, k, v = _inputs()
    choice = budget_for_target(method, params, target_sparsity=0.8, q=q, k=k, v=v, decode_steps=4)
    chosen = getattr(choice.params, field)
    gaps = []
    for value in (chosen - step, chosen, chosen + step):
        config = {"method": method, "params": {**_plain(params, field), field: value}}
        m = method_measure(method_config_parse(config), q=q, k=k, v=v, decode_steps=4, repeats=1)
        gaps.append(abs(m.density - 0.2))
    assert choice.density == pytest.approx(0.2, abs=0.02)  # Quest moves in pages of 16 of ~510 tokens
    assert gaps[1] <= min(gaps)


def _plain(params, field: str) -> dict:
    """The settable fields of ``params`` other than ``field`` (for a config)."""
    skip = {field, "adaptive"}
    return {f.name: getattr(params, f.name) for f in dataclasses.fields(params) if f.name not in skip}


def test_harness_measures_at_the_budget_a_target_chose():
    q, k, v = _inputs()
    config = method_config_parse({"method": "block_topk", "target_sparsity": 0.75})
    m = method_measure(config, q=q, k=k, v=v, repeats=1)
    expected = block_topk_top_k_for_sparsity(n_tokens=512, block_size=16, target_sparsity=0.75)
    assert m.budget == {"top_k": expected}
    assert method_params(config, geometry=None).top_k == 64  # the config's own params are untouched
    assert m.density == pytest.approx(
        1 - block_topk_blocks_sparsity(n_tokens=512, block_size=16, top_k=expected), abs=1e-12
    )


def test_every_long_context_method_has_a_budget_knob_it_can_set():
    q, k, v = _inputs()
    for method in TARGET_KNOBS:
        config = method_config_parse({"method": method, "target_sparsity": 0.5})
        params = method_params(config, geometry=None)
        if method in ("snapkv", "ada_snapkv"):
            params = dataclasses.replace(params, window=32, recent=16)
        choice = budget_for_target(method, params, target_sparsity=0.5, q=q, k=k, v=v, decode_steps=4)
        assert 0.0 < (choice.density if choice.density is not None else 0.5) <= 1.0, method


def test_bisection_finds_the_closest_value_of_a_monotone_density():
    value, found = budget_bisect(density=lambda x: x / 100, lo=0, hi=100, target=0.377, integer=True)
    assert (value, found) == (38, 0.38)
    value, _ = budget_bisect(density=lambda x: x, lo=0.0, hi=1.0, target=0.3, integer=False)
    assert value == pytest.approx(0.3, abs=1e-6)
