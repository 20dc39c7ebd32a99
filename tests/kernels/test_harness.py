"""Specs for the measuring harness: what it reports is recomputed here independently, per method."""

from __future__ import annotations

import math
import typing

import pytest
import torch

from kernels.api import backend_resolve, sparse_attention
from kernels.decode import decode_split
from kernels.harness import (
    VideoGeometry,
    chosen_density,
    dense_attention,
    measurement_row,
    method_measure,
    method_params,
    method_steps,
)
from kernels.method_config import (
    DECODE_METHODS,
    EVICTION_METHODS,
    METHOD_NAMES,
    ConfigError,
    method_config_parse,
    settable_fields,
)
from kernels.methods import GROUPED_METHODS, LAYOUT_METHODS
from kernels.methods.blade import blade_attention, blade_select
from kernels.methods.quest import quest_page_bounds, quest_step_select, quest_step_tokens
from kernels.methods.snapkv import snapkv_select
from kernels.methods.vdit import vdit_attention, vdit_groups_density, vdit_plan_layouts
from kernels.metrics import attention_error, layout_density, mass_recall, reference_density
from kernels.reference import dense_attention_reference
from kernels.workloads import WorkloadSpec, workload_generate

GEOMETRY = VideoGeometry(frames=4, height=8, width=16, text_tokens=128)
SMALL = {
    "vertical_slash": {"last_queries": 64, "n_vertical": 128, "n_slash": 128},
    "flexprefill": {"last_queries": 64, "min_budget": 128},
    "block_topk": {"top_k": 3},
    "quest": {"token_budget": 128},
    "snapkv": {"capacity": 128, "window": 64, "recent": 32},
    "ada_snapkv": {"capacity": 128, "window": 64, "recent": 32},
    "window_3d": {"tile": [1, 8, 16], "window": [1, 1, 1]},
    "svg": {"density": 0.2, "num_sampled_rows": 16},
}


@pytest.fixture(scope="module")
def inputs():
    spec = WorkloadSpec(frames=4, height=8, width=16, text_tokens=128, head_dim=32, value_scale=8.0)
    work = workload_generate(spec=spec)
    return work.q, work.k, work.v, STEPS


STEPS = 16


def decode_recomputed(method: str, params, q, k, v, steps: int):
    """Outputs, density and recall of ``steps`` decode steps, recomputed with dense masked attention
    in float64 (the prompt's eviction or each step's pages give the mask of each step)."""
    prompt = decode_split(n_tokens=q.shape[2], steps=steps)
    group = q.shape[1] // k.shape[1]
    outs, refs, density, recall = [], [], 0.0, 0.0
    for t in range(steps):
        p = prompt + t
        if method in EVICTION_METHODS:
            keep = snapkv_select(q[:, :, :prompt], k[:, :, :prompt], params).keep
            keep = torch.cat([keep, torch.ones(*keep.shape[:2], t + 1, dtype=torch.bool)], dim=-1)
        else:
            bounds = quest_page_bounds(k[:, :, : k.shape[2] // 16 * 16], page_size=params.page_size)
            pages = quest_step_select(q[:, :, p : p + 1], bounds, position=p, params=params)
            tokens = quest_step_tokens(pages, position=p, page_size=params.page_size)
            keep = torch.zeros(*tokens.shape[:2], p + 1, dtype=torch.bool).scatter_(-1, tokens, True)
        mask = keep.repeat_interleave(group, dim=1).unsqueeze(2)
        qs, ks, vs = q[:, :, p : p + 1].double(), k[:, :, : p + 1].double(), v[:, :, : p + 1].double()
        outs.append(dense_attention_reference(qs, ks, vs, mask))
        refs.append(dense_attention_reference(qs, ks, vs))
        density += float(mask.double().mean())
        ks = ks.repeat_interleave(group, dim=1)
        probs = torch.softmax((qs @ ks.transpose(-1, -2)) / q.shape[-1] ** 0.5, dim=-1)
        recall += float((probs * mask).sum(-1).mean())
    return torch.cat(outs, dim=2), torch.cat(refs, dim=2), density / steps, recall / steps


@pytest.mark.parametrize("method", METHOD_NAMES)
def test_harness_figures_match_an_independent_recomputation(inputs, method):
    q, k, v, steps = inputs
    config = method_config_parse({"method": method, "params": SMALL.get(method, {})})
    m = method_measure(config, q=q, k=k, v=v, decode_steps=steps, geometry=GEOMETRY, repeats=2)
    params = method_params(config, geometry=GEOMETRY)
    if method in DECODE_METHODS:
        out, reference, density, recall = decode_recomputed(method, params, q, k, v, steps)
        assert m.density == pytest.approx(density, abs=1e-12)
        assert m.mass_recall == pytest.approx(recall, abs=1e-9)
        assert m.density_reference is None
    elif method in GROUPED_METHODS:  # heads profiled into fused groups, each with its own layout
        groups = GROUPED_METHODS[method][1](q, k, v, params)
        out = vdit_attention(q, k, v, groups)
        assert m.density == vdit_groups_density(groups) and m.density_reference is None
        recall = sum(
            mass_recall(q[:, list(g.heads)], k[:, list(g.heads)], g.layout) * len(g.heads) for g in groups
        )
        assert m.mass_recall == pytest.approx(recall / q.shape[1], abs=1e-9)
        reference = dense_attention_reference(q, k, v)
    elif method == "blade_asa":  # ASA_G: the blocks plus the global tokens, merged
        selection = blade_select(q, k, params)
        out = blade_attention(q, k, v, selection)
        assert m.density == selection.density > layout_density(selection.layout)
        assert m.mass_recall == pytest.approx(mass_recall(q, k, selection.layout), abs=1e-9)
        reference = dense_attention_reference(q, k, v)
    else:
        layout = LAYOUT_METHODS[method][1](q, k, params)
        out = sparse_attention(q, k, v, layout)
        assert m.density == layout_density(layout)
        assert m.density_reference == reference_density(layout)
        assert m.mass_recall == pytest.approx(mass_recall(q, k, layout), abs=1e-9)
        reference = dense_attention_reference(q, k, v, causal_mask(q, k) if layout.causal else None)
    expected = attention_error(out, reference)
    assert m.rel_l2 == pytest.approx(expected.rel_l2, rel=1e-4, abs=1e-6)
    per_head = [attention_error(out[:, h], reference[:, h]).rel_l2 for h in range(out.shape[1])]
    assert m.rel_l2_per_head == pytest.approx(per_head, rel=1e-4, abs=1e-6)
    assert m.cosine == pytest.approx(expected.cosine, abs=1e-5)
    assert 0.0 < m.density <= 1.0
    for step in (m.estimator, m.attention, m.dense):
        assert 0.0 < step.min_ms <= step.median_ms <= step.max_ms
    assert m.speedup == pytest.approx(m.dense.median_ms / (m.estimator.median_ms + m.attention.median_ms))
    row = measurement_row(m)
    assert row["method"] == method and row["density"] == m.density and "dense_ms" in row
    resolved = backend_resolve(backend="auto", device=q.device, dtype=q.dtype)
    decode_backend = "sdpa (kept cache)" if method in EVICTION_METHODS else "sdpa (gathered pages)"
    assert m.backend == (decode_backend if method in DECODE_METHODS else resolved)


def causal_mask(q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """Bottom-right aligned causal mask: query i sees keys up to i + (N_k - N_q)."""
    offset = k.shape[2] - q.shape[2]
    return torch.arange(k.shape[2])[None, :] <= torch.arange(q.shape[2])[:, None] + offset


@pytest.mark.parametrize("n_q", [16, 1152])
def test_dense_attention_aligns_causal_queries_with_the_end_of_the_cache(inputs, n_q):
    q, k, v, _ = inputs
    queries = q[:, :, -n_q:]
    out = dense_attention(queries, k[:, :2], v[:, :2], causal=True)
    ref = dense_attention_reference(queries, k[:, :2], v[:, :2], causal_mask(queries, k))
    assert attention_error(out, ref).rel_l2 < 1e-5


def test_a_method_keeping_every_block_measures_density_one_and_no_error(inputs):
    q, k, v, _ = inputs
    config = method_config_parse({"method": "block_topk", "params": {"top_k": 100, "causal": False}})
    m = method_measure(config, q=q, k=k, v=v, repeats=1)
    assert m.density == 1.0 and m.rel_l2 < 1e-5 and m.mass_recall == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("name", ["block_topk", "sparse_vdit", "blade_asa", "quest", "snapkv"])
def test_a_measurement_without_recall_counts_the_same_density(inputs, name):
    q, k, v, steps = inputs
    config = method_config_parse({"method": name, "params": SMALL.get(name, {})})
    full = method_measure(config, q=q, k=k, v=v, decode_steps=steps, geometry=GEOMETRY, repeats=1)
    timed = method_measure(config, q=q, k=k, v=v, decode_steps=steps, geometry=GEOMETRY, repeats=1,
                           recall=False)  # fmt: skip
    assert timed.mass_recall is None and full.mass_recall is not None
    assert timed.density == pytest.approx(full.density, abs=1e-12)
    assert timed.rel_l2 == pytest.approx(full.rel_l2, rel=1e-6)


def test_harness_derives_input_fields_from_the_geometry():
    vdit = method_params(method_config_parse({"method": "sparse_vdit"}), geometry=GEOMETRY)
    assert (vdit.frames, vdit.frame_tokens, vdit.text_tokens) == (4, 128, 128)
    psa = method_params(
        method_config_parse({"method": "psa", "params": {"block_size": 64}}), geometry=GEOMETRY, seed=7
    )
    assert psa.grid == (4, 8, 16) and psa.seed == 7
    assert method_params(method_config_parse({"method": "ada_snapkv"}), geometry=None).adaptive
    assert not method_params(method_config_parse({"method": "snapkv"}), geometry=None).adaptive


def test_harness_refuses_missing_inputs_by_name(inputs):
    q, k, v, _ = inputs
    with pytest.raises(ValueError, match="video geometry"):
        method_measure(method_config_parse({"method": "psa"}), q=q, k=k, v=v)
    with pytest.raises(ValueError, match="decode_steps"):
        method_measure(method_config_parse({"method": "quest"}), q=q, k=k, v=v)
    with pytest.raises(ValueError, match="repeats"):
        method_measure(method_config_parse({"method": "block_topk"}), q=q, k=k, v=v, repeats=0)


def test_measured_speedups_are_ratios_of_the_measured_medians(inputs):
    q, k, v, _ = inputs
    m = method_measure(method_config_parse({"method": "block_topk"}), q=q, k=k, v=v, repeats=3)
    assert math.isclose(m.kernel_speedup, m.dense.median_ms / m.attention.median_ms)


@pytest.mark.parametrize("method", ["quest", "ada_snapkv", "block_topk"])
def test_harness_measures_grouped_query_heads_against_dense(inputs, method):
    q, k, v, steps = inputs
    kg, vg = k[:, :2].contiguous(), v[:, :2].contiguous()
    config = method_config_parse({"method": method, "params": SMALL[method]})
    m = method_measure(config, q=q, k=kg, v=vg, decode_steps=steps, repeats=1)
    params = method_params(config, geometry=None)
    if method in DECODE_METHODS:
        out, reference, density, _ = decode_recomputed(method, params, q, kg, vg, steps)
        assert m.density == pytest.approx(density, abs=1e-12)
    else:
        out = sparse_attention(q, kg, vg, LAYOUT_METHODS[method][1](q, kg, params))
        reference = dense_attention_reference(q, kg, vg, causal_mask(q, kg))
    assert m.rel_l2 == pytest.approx(attention_error(out, reference).rel_l2, rel=1e-4, abs=1e-6)


def test_harness_runs_a_sparse_vdit_plan_with_heads_fused_by_mode(inputs):
    q, k, v, _ = inputs
    plan = ["diagonal", "multi_diagonal", "diagonal", "full"]
    config = method_config_parse({"method": "sparse_vdit", "params": {"head_modes": plan}})
    m = method_measure(config, q=q, k=k, v=v, geometry=GEOMETRY, repeats=1)
    params = method_params(config, geometry=GEOMETRY)
    groups = vdit_plan_layouts(q, k, params=params, modes=plan)
    assert [(g.mode, g.heads) for g in groups] == [
        ("full", (3,)),
        ("diagonal", (0, 2)),
        ("multi_diagonal", (1,)),
    ]
    assert m.density == vdit_groups_density(groups)
    expected = attention_error(vdit_attention(q, k, v, groups), dense_attention_reference(q, k, v))
    assert m.rel_l2 == pytest.approx(expected.rel_l2, rel=1e-4, abs=1e-6)
    recall = sum(
        mass_recall(q[:, list(g.heads)], k[:, list(g.heads)], g.layout) * len(g.heads) for g in groups
    )
    assert m.mass_recall == pytest.approx(recall / 4, abs=1e-9)


def test_harness_refuses_a_plan_for_the_wrong_number_of_heads(inputs):
    q, k, v, _ = inputs
    config = method_config_parse({"method": "sparse_vdit", "params": {"head_modes": ["diagonal", "full"]}})
    with pytest.raises(ValueError, match="params.head_modes: 2 modes for 4 heads"):
        method_measure(config, q=q, k=k, v=v, geometry=GEOMETRY, repeats=1)


HOSTILE = {int: [0, -1, 3, 10**9], float: [0.0, -1.0, 2.0, 1e30, 1e-30], bool: [True, False]}


def _plain_type(hint):
    """The non-None type of an optional field's hint."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    return args[0] if type(None) in typing.get_args(hint) else hint


@pytest.mark.parametrize("method", METHOD_NAMES)
def test_hostile_settings_are_refused_by_name_or_measured_never_crash(inputs, method):
    q, k, v, steps = inputs
    for name, hint in settable_fields(method).items():
        for value in HOSTILE.get(_plain_type(hint), []):
            try:
                config = method_config_parse({"method": method, "params": {name: value}})
            except ConfigError as exc:
                assert exc.field in (f"params.{name}", "params")
                continue
            try:
                m = method_measure(config, q=q, k=k, v=v, decode_steps=steps, geometry=GEOMETRY, repeats=1)
            except ValueError as exc:  # the inputs do not fit the settings (block sizes): said in words
                assert str(exc), (name, value)
                continue
            assert 0.0 <= m.density <= 1.0 and math.isfinite(m.rel_l2), (name, value)


@pytest.mark.parametrize(
    "config",
    [
        {"method": "psa", "preset": "wan2.1-1.3b"},
        {"method": "blade_asa", "preset": "wan2.1-1.3b"},
        {"method": "sparse_vdit", "params": {"mode": "diagonal"}},
        {"method": "sparse_vdit", "params": {"head_modes": ["diagonal", "full", "multi_diagonal", "full"]}},
    ],
)
def test_method_steps_and_chosen_density_are_what_method_measure_times_and_counts(config) -> None:
    parsed = method_config_parse(config)
    g = torch.Generator().manual_seed(11)
    tokens = GEOMETRY.frames * GEOMETRY.frame_tokens + GEOMETRY.text_tokens
    q, k, v = (torch.randn(1, 4, tokens, 32, generator=g) for _ in range(3))
    measured = method_measure(parsed, q=q, k=k, v=v, geometry=GEOMETRY, repeats=1, seed=5)
    params = method_params(parsed, geometry=GEOMETRY, seed=5)
    estimate, attend = method_steps(parsed.method, params, q=q, k=k, v=v)
    chosen = estimate()
    assert chosen_density(chosen) == pytest.approx(measured.density)
    error = attention_error(attend(chosen), dense_attention(q, k, v, causal=False))
    assert error.rel_l2 == pytest.approx(measured.rel_l2, rel=1e-5)
