"""Specs for PSA and BLADE as released: level maps, keep counts and ASA_G against float64 references."""

import dataclasses
import math

import pytest
import torch
from sb_video_reference import (
    asa_g_reference,
    blade_row_keep_reference,
    importance_reference,
    psa_row_levels_reference,
)

from kernels.api import sparse_attention
from kernels.harness import VideoGeometry, method_measure
from kernels.method_config import ConfigError, method_config_parse
from kernels.methods.blade import (
    BLADE_PRESETS,
    BladeParams,
    blade_attention,
    blade_build_layout,
    blade_keep_counts,
    blade_select,
)
from kernels.methods.psa import PSA_PRESETS, PsaParams, psa_build_layout, psa_level_map
from kernels.metrics import attention_error, layout_density
from kernels.reference import layout_attention_reference, layout_token_mask
from kernels.workloads import WorkloadSpec, workload_generate

SPEC = WorkloadSpec(frames=8, height=8, width=16, text_tokens=0, head_dim=32, value_scale=8.0, stripe_keys=2)
GRID = (8, 8, 16)


@pytest.fixture(scope="module")
def work():
    return workload_generate(spec=SPEC)


def _rows(seed, *, n):
    """Importance rows: random, heavy-tailed, flat, one-hot and geometric (structured) ones."""
    g = torch.Generator().manual_seed(seed)
    rows = [torch.rand(n, generator=g), torch.rand(n, generator=g) ** 8, torch.ones(n)]
    rows += [torch.eye(n)[3] + 1e-4, 0.7 ** torch.arange(n, dtype=torch.float32)]
    rows += [torch.softmax(torch.randn(n, generator=g) * s, 0) for s in (1.0, 3.0, 6.0)]
    rows = torch.stack(rows)
    return (rows / rows.sum(-1, keepdim=True)).view(2, 4, 1, n)


def _assert_same_up_to_near_ties(got, ref, imp):
    """Rows hold the same levels; an entry may differ only where the float64 importance ties another
    block's to float32 precision (the estimator saturates at exp(0) = 1 for every block that is some
    sampled query's best, so exact ties are common, and float32 rounding may order them otherwise)."""
    got, ref = torch.as_tensor(got).view(-1, imp.shape[-1]), torch.as_tensor(ref).view(-1, imp.shape[-1])
    assert torch.equal(torch.sort(got, -1).values, torch.sort(ref, -1).values)
    flat = imp.view(-1, imp.shape[-1])
    near = ((flat.unsqueeze(-1) - flat.unsqueeze(-2)).abs() <= 1e-5 * flat.unsqueeze(-1)).sum(-1) > 1
    assert bool((near | (got == ref)).all())


def _density(levels):
    """FLOP share of a level map (level h costs 2**-(h-1))."""
    lm = torch.as_tensor(levels, dtype=torch.float64)
    return float(torch.where(lm > 0, 2.0 ** -(lm - 1), 0.0).mean())


@pytest.mark.parametrize("preset", sorted(PSA_PRESETS))
@pytest.mark.parametrize("n", [6, 40, 64])
def test_psa_level_map_equals_the_float64_reference(preset, n):
    params = PsaParams(**PSA_PRESETS[preset])
    imp = _rows(n, n=n)
    got = psa_level_map(importance=imp, params=params)
    ref = [
        psa_row_levels_reference(
            row.double().tolist(), thresholds=params.thresholds, mode=params.mode,
            key_block=params.key_block_size, tile=params.compute_tile,
        )
        for row in imp.view(-1, n)
    ]  # fmt: skip
    assert got.view(-1, n).tolist() == ref
    assert _density(got) == pytest.approx(_density(ref))


def test_psa_level_map_cuts_the_sorted_row_as_the_release_does():
    imp = torch.tensor([[[[0.35, 0.1, 0.1, 0.05, 0.2, 0.2]]]])
    # sorted shares .35 .55 .75 .85 .95 1: level 1 takes the crossing block too (2 blocks), level 2 none,
    # level 3 one (ends at 2 blocks past the .6 crossing), level 4 (8x pooling, aligned to 2 blocks
    # for 128-key blocks in 32-column tiles) the next two, the rest skipped
    assert psa_level_map(importance=imp, params=PsaParams())[0, 0, 0].tolist() == [1, 4, 4, 0, 1, 3]
    floor = PsaParams(thresholds=(0.01, 0.5, 0.6, 0.8))  # int(0.08 * 6) + 1 = 1 block at least
    assert int((psa_level_map(importance=imp, params=floor) == 1).sum()) == 1


def test_psa_topk_mode_cuts_fixed_block_shares():
    params = PsaParams(**PSA_PRESETS["cogvideox1.5-5b"])
    imp = torch.rand(1, 2, 3, 40, generator=torch.Generator().manual_seed(0))
    levels = psa_level_map(importance=imp, params=params)
    counts = [int((levels == lvl).sum(-1).max()) for lvl in (1, 2, 3, 4)]
    assert counts == [4, 2, 0, 8]  # ends int(40 * .1)=4, 6, 6 (aligned to 4: 6), 14 (aligned to 8: 14)


@pytest.mark.parametrize("preset", ["wan2.1-14b", "wan2.1-1.3b", "cogvideox-5b"])
def test_psa_layout_equals_the_float64_reference_end_to_end(work, preset):
    params = PsaParams(**PSA_PRESETS[preset], grid=GRID, seed=4)
    layout = psa_build_layout(work.q, work.k, params)
    # CogVideoX-5B's released presets keep the frame-major order (use_rearrange false)
    assert (layout.token_perm is None) == (preset == "cogvideox-5b")
    sq, sk = params.samples
    imp = importance_reference(
        work.q, work.k, block_q=params.block_size, block_k=params.key_block_size,
        samples_q=sq, samples_k=sk, seed=4, perm=layout.token_perm,
    )  # fmt: skip
    n_kb = imp.shape[-1]
    ref = [
        psa_row_levels_reference(
            row.tolist(), thresholds=params.thresholds, mode=params.mode, key_block=params.key_block_size,
            tile=params.compute_tile,
        )
        for row in imp.view(-1, n_kb)
    ]  # fmt: skip
    _assert_same_up_to_near_ties(layout.level_map().long(), ref, imp)
    assert layout_density(layout) == pytest.approx(_density(ref))
    out = sparse_attention(work.q, work.k, work.v, layout)
    assert attention_error(out, layout_attention_reference(work.q, work.k, work.v, layout)).rel_l2 <= 1e-5


@pytest.mark.parametrize("bounds", [(0.95, 0.05, 0.17), (0.5, 0.1, 0.6), (0.9, 0.0, 1.0)])
def test_blade_keep_counts_equal_the_float64_reference(bounds):
    tau, low, high = bounds
    imp = torch.cat([_rows(1, n=40), _rows(2, n=40)], dim=2)
    params = BladeParams(tau=tau, min_retention=low, max_retention=high)
    got = blade_keep_counts(importance=imp, params=params)
    rows = imp.view(-1, 40).double().tolist()
    ref = [len(blade_row_keep_reference(r, tau=tau, low=low, high=high)) for r in rows]
    assert got.view(-1).tolist() == ref


def test_blade_default_clamps_to_the_released_retention_bounds():
    imp = torch.tensor([[[[0.97] + [0.03 / 99] * 99, [0.01] * 100]]])  # 0 and 95 blocks reach 0.95
    assert blade_keep_counts(importance=imp, params=BladeParams()).tolist() == [[[5, 17]]]


def test_blade_layout_equals_the_float64_reference_end_to_end(work):
    params = BladeParams(tau=0.8, min_retention=0.1, max_retention=0.6, grid=GRID, seed=2)
    layout = blade_build_layout(work.q, work.k, params)
    imp = importance_reference(
        work.q, work.k, block_q=128, block_k=128, samples_q=32, samples_k=32, seed=2, perm=layout.token_perm
    )
    keep = torch.zeros(imp.shape, dtype=torch.bool).view(-1, imp.shape[-1])
    for i, row in enumerate(imp.view(-1, imp.shape[-1])):
        keep[i, blade_row_keep_reference(row.tolist(), tau=0.8, low=0.1, high=0.6)] = True
    _assert_same_up_to_near_ties(layout.block_mask().long(), keep.long(), imp)
    assert layout_density(layout) == pytest.approx(float(keep.double().mean()))


@pytest.mark.parametrize("backend", ["native", "cpu"])
def test_asa_g_equals_the_float64_union_softmax_and_counts_its_global_tokens(work, backend):
    if backend == "native":
        pytest.importorskip("kernels.backends.native.build").native_library()
    params = BladeParams(tau=0.9, min_retention=0.1, max_retention=0.5, global_gap=30, grid=GRID)
    sel = blade_select(work.q, work.k, params)
    out = blade_attention(work.q, work.k, work.v, sel, backend=backend)
    keep = layout_token_mask(sel.layout)
    ref = asa_g_reference(work.q, work.k, work.v, keep_tokens=keep, gap=30, perm=sel.layout.token_perm)
    assert attention_error(out, ref).rel_l2 <= 1e-5
    n = work.q.shape[2]
    assert sel.density == pytest.approx(float(keep.double().mean()) + math.ceil(n / 30) / n)
    plain = blade_select(work.q, work.k, dataclasses.replace(params, global_gap=0))
    assert plain.density == pytest.approx(float(keep.double().mean()))


def test_the_released_presets_are_all_named():
    """configs/attention_config.yaml: psa_balanced of six models (Wan2.2-5B shares Wan2.1-1.3B's values),
    and CogVideoX-5B's psa_4steps (no warm-up, bounds 0.05/0.15/0.25/0.5 of the blocks)."""
    released = ["wan2.1-14b", "wan2.1-1.3b", "wan2.2-5b", "wan2.2-a14b", "cogvideox1.5-5b", "cogvideox-5b"]
    assert sorted(PSA_PRESETS) == sorted([*released, "cogvideox-5b-4steps"])
    four = PsaParams(**PSA_PRESETS["cogvideox-5b-4steps"])
    assert (four.warmup_steps, four.mode, four.thresholds) == (0, "topk", (0.05, 0.15, 0.25, 0.5))
    assert PsaParams(**PSA_PRESETS["wan2.2-a14b"]).warmup_steps == 12
    with pytest.raises(ValueError, match="curve must be one of"):
        PsaParams(curve="zorder")


def test_presets_are_selected_by_name_and_overridden_by_params():
    config = method_config_parse({"method": "psa", "preset": "wan2.1-1.3b", "params": {"warmup_steps": 3}})
    params = config.params_class(**config.settings)
    assert (params.block_size, params.key_block_size, params.thresholds) == (128, 32, (0.6, 0.7, 0.7, 0.8))
    assert params.warmup_steps == 3 and config.preset == "wan2.1-1.3b"
    blade = method_config_parse({"method": "blade_asa", "preset": "cogvideox-5b"})
    gap = blade.params_class(**blade.settings).global_gap
    assert gap == 15 == BLADE_PRESETS["cogvideox-5b"]["global_gap"]


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ({"method": "psa", "preset": "wan3-1b"}, "unknown preset 'wan3-1b' for psa"),
        ({"method": "block_topk", "preset": "wan2.1-14b"}, "known presets: none"),
        ({"method": "psa", "params": {"seed": 3}}, "set by the benchmark"),
    ],
)
def test_config_errors_name_the_unknown_preset_and_the_harness_seed(data, needle):
    with pytest.raises(ConfigError, match=needle):
        method_config_parse(data)


def test_harness_runs_psa_dense_during_its_warmup_steps_and_asa_g_with_global_tokens(work):
    geometry = VideoGeometry(*GRID)
    psa = method_config_parse({"method": "psa", "preset": "wan2.1-14b"})
    warm = method_measure(psa, q=work.q, k=work.k, v=work.v, geometry=geometry, repeats=1, step=14)
    assert warm.density == 1.0 and warm.rel_l2 <= 1e-5
    later = method_measure(psa, q=work.q, k=work.k, v=work.v, geometry=geometry, repeats=1, step=15)
    assert later.density < 1.0
    blade = method_config_parse({"method": "blade_asa", "params": {"max_retention": 0.5}})
    m = method_measure(blade, q=work.q, k=work.k, v=work.v, geometry=geometry, repeats=1, seed=5)
    sel = blade_select(work.q, work.k, BladeParams(max_retention=0.5, grid=GRID, seed=5))
    assert m.density == pytest.approx(sel.density)
    out = blade_attention(work.q, work.k, work.v, sel)
    ref = torch.nn.functional.scaled_dot_product_attention(work.q, work.k, work.v)
    assert m.rel_l2 == pytest.approx(attention_error(out, ref).rel_l2, rel=1e-4)
