"""Sparse-VideoGen and the sliding 3-D window against independent float64 constructions."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from kernels.harness import VideoGeometry, method_measure
from kernels.method_config import ConfigError, method_config_parse
from kernels.methods.svg import SvgParams, svg_profile, svg_select
from kernels.methods.vdit import vdit_attention
from kernels.methods.window3d import Window3dParams, tile_order, window3d_build_layout
from kernels.metrics import attention_error
from kernels.reference import dense_attention_reference
from kernels.workloads import WorkloadSpec, workload_generate

FRAMES, HEIGHT, WIDTH = 4, 16, 16
FT = HEIGHT * WIDTH


def _workload(text: int = 0, heads=("diagonal", "multi_diagonal", "vertical_stripe", "full")):
    spec = WorkloadSpec(frames=FRAMES, height=HEIGHT, width=WIDTH, text_tokens=text, heads=heads,
                        head_dim=32, temperature=0.8, seed=11)  # fmt: skip
    return workload_generate(spec=spec)


def _released_width_tokens(density: float, text: int, frames: int, ft: int) -> int:
    """SVG's sparsity_to_width, in frames, times a frame, rounded up to 128 (its temporal mask_mod)."""
    seq = text + frames * ft
    total = seq**2
    s = (density * total - 2 * seq * text) / total
    width_frames = seq * (1 - math.sqrt(1 - s)) / ft
    return math.ceil(width_frames * ft / 128) * 128


@pytest.mark.parametrize("density,text", [(0.25, 0), (0.1, 0), (0.25, 128), (0.5, 128)])
def test_band_width_follows_the_released_formula(density, text):
    params = SvgParams(frames=8, frame_tokens=1024, text_tokens=text, density=density)
    assert params.band_tokens() == _released_width_tokens(density, text, 8, 1024)


def _released_profile_masks(frames: int, ft: int) -> tuple[np.ndarray, np.ndarray]:
    """The two profiling masks built as SVG's get_attention_mask builds them (Wan: no text)."""
    n = frames * ft
    base = np.zeros((n, n), dtype=bool)
    base[:, :ft] = True  # first-frame sink
    thres = (ft * 2) // 128
    blocks = math.ceil(n / 128)
    for i in range(blocks):
        for j in range(blocks):
            if abs(i - j) < thres:
                base[i * 128 : (i + 1) * 128, j * 128 : (j + 1) * 128] = True
    temporal = base.reshape(ft, frames, ft, frames).transpose(1, 0, 3, 2).reshape(n, n)
    return base, temporal


def test_profile_chooses_as_the_released_masks_would():
    w = _workload()
    params = SvgParams(frames=FRAMES, frame_tokens=FT, num_sampled_rows=48, seed=3)
    chosen = svg_profile(w.q, w.k, w.v, params)
    rows = torch.randint(0, FRAMES * FT, (48,), generator=torch.Generator().manual_seed(3))
    q, k, v = (x.double()[0].numpy() for x in (w.q, w.k, w.v))
    scores = q[:, rows.numpy()] @ k.transpose(0, 2, 1) / math.sqrt(q.shape[-1])

    def attend(s):
        e = np.exp(s - s.max(-1, keepdims=True))
        return (e / e.sum(-1, keepdims=True)) @ v

    golden = attend(scores)
    mses = [((attend(np.where(m[rows.numpy()], scores, -np.inf)) - golden) ** 2).mean(axis=(1, 2))
            for m in _released_profile_masks(FRAMES, FT)]  # fmt: skip
    assert chosen[0].tolist() == np.argmin(np.stack(mses), axis=0).tolist()
    assert chosen[0].tolist()[:2] == [0, 1]  # the frame-local head is spatial, the temporal one temporal


def _svg_token_mask(params: SvgParams, profile: int) -> torch.Tensor:
    """Token keep-mask in natural order: the block band (in the head's order), sink, text, built by loops."""
    n_video, b = params.video_tokens, params.block_size
    n = n_video + params.text_tokens
    wb = params.band_tokens() // b
    order = list(range(n))
    if profile == 1:
        order = [s * params.frames + f for f in range(params.frames) for s in range(params.frame_tokens)]
        order += list(range(n_video, n))
    place = np.array(order)  # natural index -> place in the head's order
    mask = np.zeros((n, n), dtype=bool)
    for i in range(n):
        for j in range(n):
            if i >= n_video or j >= n_video:
                mask[i, j] = True
            else:
                bi, bj = place[i] // b, place[j] // b
                mask[i, j] = abs(bi - bj) <= wb or bj < math.ceil(params.frame_tokens / b)
    return torch.from_numpy(mask)


def test_svg_output_matches_float64_on_each_heads_band():
    w = _workload(text=128)
    params = SvgParams(frames=FRAMES, frame_tokens=FT, text_tokens=128, density=0.2, seed=1)
    groups = svg_select(w.q, w.k, w.v, params)
    assert {g.mode for g in groups} <= {"spatial", "temporal"}
    out = vdit_attention(w.q, w.k, w.v, groups)
    profile = svg_profile(w.q, w.k, w.v, params)[0]
    masks = torch.stack([_svg_token_mask(params, int(p)) for p in profile])[None]
    ref = dense_attention_reference(w.q, w.k, w.v, masks)
    assert attention_error(out, ref).rel_l2 < 1e-5


def test_tile_order_and_window_layout_against_coordinates():
    grid, tile = (FRAMES, HEIGHT, WIDTH), (2, 4, 8)
    perm = tile_order(grid=grid, tile=tile, extra_tokens=64)
    coords = [(f, y, x) for f in range(FRAMES) for y in range(HEIGHT) for x in range(WIDTH)]
    tile_of = [(f // 2, y // 4, x // 8) for f, y, x in coords]
    placed = [tile_of[i] for i in perm[: len(coords)].tolist()]
    assert placed == sorted(placed) and sorted(perm.tolist()) == list(range(len(coords) + 64))

    w = _workload(text=64)
    params = Window3dParams(tile=tile, window=(3, 1, 3), grid=grid)
    layout = window3d_build_layout(w.q, w.k, params)
    n_video = len(coords)
    n = n_video + 64
    mask = torch.ones(n, n, dtype=torch.bool)
    for i in range(n_video):
        for j in range(n_video):
            a, c = tile_of[i], tile_of[j]
            mask[i, j] = abs(a[0] - c[0]) <= 1 and a[1] == c[1] and abs(a[2] - c[2]) <= 1
    from kernels.api import sparse_attention

    out = sparse_attention(w.q, w.k, w.v, layout)
    ref = dense_attention_reference(w.q, w.k, w.v, mask.expand(1, 4, n, n))
    assert attention_error(out, ref).rel_l2 < 1e-5


def test_harness_measures_both_with_the_geometry():
    w = _workload(text=128)
    geometry = VideoGeometry(frames=FRAMES, height=HEIGHT, width=WIDTH, text_tokens=128)
    for config in ({"method": "svg", "params": {"density": 0.15}},
                   {"method": "window_3d", "params": {"tile": [1, 8, 16], "window": [3, 1, 1]}}):
        m = method_measure(method_config_parse(config), q=w.q, k=w.k, v=w.v, geometry=geometry, repeats=1)
        assert 0.0 < m.density < 1.0 and m.mass_recall is not None and math.isfinite(m.rel_l2)


@pytest.mark.parametrize(
    "config,field",
    [
        ({"method": "svg", "params": {"density": 1.5}}, "params.density"),
        ({"method": "svg", "params": {"seed": 3}}, "params.seed"),
        ({"method": "svg", "params": {"frames": 3}}, "params.frames"),
        ({"method": "window_3d", "params": {"window": [2, 3, 3]}}, "params.window"),
        ({"method": "window_3d", "params": {"grid": [2, 3, 3]}}, "params.grid"),
        ({"method": "window_3d", "params": {"tile": [2, 8]}}, "params.tile"),
    ],
)
def test_bad_settings_name_the_field(config, field):
    with pytest.raises(ConfigError) as caught:
        method_config_parse(config)
    assert caught.value.field == field
