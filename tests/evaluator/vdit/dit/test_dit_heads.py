"""Head pattern statistics: pairwise reference, synthetic patterns, the recorder on a tiny model."""

from __future__ import annotations

import torch

from evaluator.benchmarks.vdit.dit.heads import (
    PatternGeometry,
    ShareRecorder,
    head_label,
    heads_measure,
    pattern_masks,
    pattern_shares,
    token_coords,
    uniform_shares,
)
from evaluator.benchmarks.vdit.dit.model import DiTConfig, VideoDiT
from evaluator.benchmarks.vdit.dit.sampler import SamplerConfig

GRID = (4, 3, 3)
GEOM = PatternGeometry(band_frames=1, band_radius=1, stripes=2)


def _loop_shares(probs: torch.Tensor, grid, geometry: PatternGeometry) -> list[float]:
    """Independent per-pair implementation: classify every (query, key) pair by its coordinates."""
    f, h, w = grid
    coords = [(a, b, c) for a in range(f) for b in range(h) for c in range(w)]
    n = len(coords)
    band = temporal = 0.0
    columns = [0.0] * n
    for i, (fi, ri, ci) in enumerate(coords):
        for j, (fj, rj, cj) in enumerate(coords):
            p = float(probs[i, j])
            near = (
                abs(fi - fj) <= geometry.band_frames
                and abs(ri - rj) <= geometry.band_radius
                and abs(ci - cj) <= geometry.band_radius
            )
            if near:
                band += p
            elif ri == rj and ci == cj:
                temporal += p
            else:
                columns[j] += p
    top = sum(sorted(columns, reverse=True)[: geometry.stripes])
    return [band / n, temporal / n, top / n, (sum(columns) - top) / n]


def test_token_coords_are_frame_major():
    c = token_coords(grid=(2, 2, 3))
    assert c[4].tolist() == [0, 1, 1] and c[7].tolist() == [1, 0, 1]


def test_pattern_shares_match_the_pairwise_reference():
    n = GRID[0] * GRID[1] * GRID[2]
    g = torch.Generator().manual_seed(0)
    probs = torch.softmax(3 * torch.randn(2, n, n, generator=g, dtype=torch.float64), dim=-1)
    band, temporal = pattern_masks(grid=GRID, geometry=GEOM)
    got = pattern_shares(probs=probs, band=band, temporal=temporal, stripes=GEOM.stripes)
    for h in range(2):
        assert torch.allclose(
            got[h], torch.tensor(_loop_shares(probs[h], GRID, GEOM), dtype=torch.float64), atol=1e-9
        )
    assert torch.allclose(got.sum(-1), torch.ones(2, dtype=torch.float64))


def test_pattern_shares_classify_synthetic_heads():
    n = GRID[0] * GRID[1] * GRID[2]
    band, temporal = pattern_masks(grid=GRID, geometry=GEOM)
    coords = token_coords(grid=GRID)
    self_attn = torch.eye(n)
    other = (coords[:, 0] + 2) % GRID[0]  # same position two frames away: outside the band
    temporal_attn = torch.zeros(n, n)
    temporal_attn[torch.arange(n), other * 9 + coords[:, 1] * 3 + coords[:, 2]] = 1
    stripe_attn = torch.zeros(n, n)
    stripe_attn[:, 35] = 1  # every query on the last token; the band holds the queries near it
    shares = pattern_shares(
        probs=torch.stack([self_attn, temporal_attn, stripe_attn]),
        band=band,
        temporal=temporal,
        stripes=GEOM.stripes,
    )
    assert shares[0].tolist() == [1.0, 0.0, 0.0, 0.0]
    assert shares[1].tolist() == [0.0, 1.0, 0.0, 0.0]
    near_last = float(band[:, 35].sum() + temporal[:, 35].sum())
    assert torch.allclose(
        shares[2],
        torch.tensor([float(band[:, 35].sum()), float(temporal[:, 35].sum()), n - near_last, 0.0]) / n,
    )


def test_uniform_shares_are_the_mask_fractions():
    n = 36
    band, temporal = pattern_masks(grid=GRID, geometry=GEOM)
    u = uniform_shares(grid=GRID, geometry=GEOM)
    assert abs(u[0] - float(band.sum()) / n / n) < 1e-6 and abs(u[1] - float(temporal.sum()) / n / n) < 1e-6
    assert abs(sum(u) - 1) < 1e-6


def test_head_label_names_the_dominant_structure_or_diffuse():
    assert head_label(band=0.6, temporal=0.1, stripes=0.1) == "band"
    assert head_label(band=0.1, temporal=0.35, stripes=0.2) == "temporal"
    assert head_label(band=0.1, temporal=0.1, stripes=0.1) == "diffuse"


def test_share_recorder_returns_dense_attention_and_counts_every_call():
    torch.manual_seed(0)
    model = VideoDiT(DiTConfig(frames=2, size=8, dim=32, depth=2, heads=2)).eval()
    rec = ShareRecorder(model=model, geometry=PatternGeometry(stripes=2))
    q, k, v = (torch.randn(2, 2, 32, 16) for _ in range(3))
    out = rec(0, 1, q, k, v)
    assert torch.allclose(out, torch.nn.functional.scaled_dot_product_attention(q, k, v), atol=1e-5)
    assert rec.counts.tolist() == [0, 2]


def test_heads_measure_reports_every_head_with_shares_summing_to_one():
    torch.manual_seed(0)
    config = DiTConfig(frames=2, size=8, dim=32, depth=2, heads=2)
    model = VideoDiT(config).eval()
    stats = heads_measure(
        model=model, seeds=[0, 1], sampler=SamplerConfig(steps=2), geometry=PatternGeometry(stripes=2)
    )
    assert [(s.layer, s.head) for s in stats] == [(layer, h) for layer in range(2) for h in range(2)]
    for s in stats:
        assert abs(s.band + s.temporal + s.stripes + s.rest - 1) < 1e-5
