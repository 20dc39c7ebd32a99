"""Fixed-offset heads: the band their softmax reaches, or one convolution when it is broad, proved on the
tensors, against float64 attention."""

from __future__ import annotations

import pytest
import torch

from evaluator.benchmarks.frontier.model.band import BAND_MAX, band_attention, band_width, offset_profile
from evaluator.benchmarks.frontier.model.config import WiredConfig
from evaluator.benchmarks.frontier.model.conv import conv_attention, conv_ready, fast_size
from evaluator.benchmarks.frontier.model.rope import rope_apply, rope_offset_key, rope_offset_query

CONFIG = WiredConfig()


def attention64(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, *, width: int | None = None):
    """Causal softmax attention [B, N, d] in float64, over the last `width` keys of each row if given."""
    n = q.shape[1]
    scores = q.double() @ k.double().transpose(-1, -2) * q.shape[-1] ** -0.5
    distance = torch.arange(n)[:, None] - torch.arange(n)[None, :]
    hidden = (distance < 0) if width is None else (distance < 0) | (distance >= width)
    return torch.softmax(scores.masked_fill(hidden, float("-inf")), dim=-1) @ v.double()


def rel(out: torch.Tensor, ref: torch.Tensor) -> float:
    """Relative L2 difference."""
    return float((out.double() - ref).norm() / ref.norm())


def offset_head(n: int, *, offset: int, scale: float = 181.0, d: int = 128, seed: int = 0):
    """q, k, v [1, n, d] of a head that copies the token `offset` back: a constant query and a positional key
    (plus content dimensions the query does not read) before RoPE, as the wired model builds them; scale
    181 peaks at 256, as its copy heads."""
    g = torch.Generator().manual_seed(seed)
    q = torch.zeros(1, 1, n, d)
    q[..., : CONFIG.rotary_dim] = rope_offset_query(offset=offset, rotary_dim=CONFIG.rotary_dim,
                                                    base=CONFIG.rope_base) * scale  # fmt: skip
    k = torch.randn(1, 1, n, d, generator=g)
    k[..., : CONFIG.rotary_dim] = rope_offset_key(rotary_dim=CONFIG.rotary_dim)
    positions = torch.arange(n)
    q, k = (rope_apply(x=x, positions=positions, rotary_dim=CONFIG.rotary_dim, base=CONFIG.rope_base)[:, 0]
            for x in (q, k))  # fmt: skip
    return q, k, torch.randn(1, n, d, generator=g)


@pytest.mark.parametrize(("n", "width"), [(100, 7), (300, 64), (517, 130), (200, 200), (130, 500)])
def test_band_attention_is_causal_attention_over_the_last_width_keys(n, width):
    g = torch.Generator().manual_seed(n)
    q, k, v = (torch.randn(2, n, 32, generator=g) for _ in range(3))
    out = band_attention(q, k, v, width=width)
    assert out.shape == (2, n, 32) and rel(out, attention64(q, k, v, width=width)) < 1e-6
    if width >= n:  # every row sees every earlier key
        assert rel(out, attention64(q, k, v)) < 1e-6


@pytest.mark.parametrize("offset", [1, 5, 15, 64])
def test_a_fixed_offset_head_is_found_with_a_narrow_band_and_attends_as_dense_attention(offset):
    q, k, v = offset_head(1500, offset=offset)
    width = band_width(q, k)
    assert offset < width <= BAND_MAX
    out = band_attention(q, k, v, width=width)
    assert rel(out, attention64(q, k, v)) < 2e-6


def test_heads_without_the_structure_are_left_to_dense_attention():
    q, k, v = offset_head(1500, offset=5)
    g = torch.Generator().manual_seed(1)
    assert band_width(torch.randn(q.shape, generator=g), k) == 0  # a query that varies
    moved = k.clone()
    moved[0, 700, 3] += 0.5  # one key's rotary part off the pattern
    assert band_width(q, moved) == 0
    content = k.clone()
    content[0, :, 100:] = torch.randn(1, 1500, 28, generator=g)  # dimensions the query does not read
    assert band_width(q, content) == band_width(q, k)
    broad, _, _ = offset_head(1500, offset=5, scale=16.0)  # a gentle head: its band spans the prompt
    assert band_width(broad, k) == 0
    assert band_width(q[:, :BAND_MAX], k[:, :BAND_MAX]) == 0  # short prompts: dense attention is cheap
    assert band_width(q[..., :16], k[..., :16]) == 0  # heads narrower than the rotary part: another model


@pytest.mark.parametrize(("n", "scale"), [(600, 16.0), (1031, 4.0), (2000, 16.0)])  # 1031: a prime length
def test_a_broad_fixed_offset_head_is_one_convolution_as_close_to_float64_as_sdpa(n, scale):
    q, k, v = offset_head(n, offset=3, scale=scale)
    profile = offset_profile(q, k)
    assert profile is not None and band_width(q, k) == 0 and conv_ready(profile)
    ref = attention64(q, k, v)
    sdpa = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
    assert rel(conv_attention(profile, v), ref) <= max(rel(sdpa, ref), 1e-6)


def test_a_profile_whose_nearest_key_weighs_too_little_is_refused():
    q, k, _ = offset_head(1500, offset=64)  # peaks 64 back: distance 0 is far below the maximum
    assert not conv_ready(offset_profile(q, k))
    assert offset_profile(q[:, :BAND_MAX], k[:, :BAND_MAX]) is None  # short prompts: no profile


def test_fft_lengths_have_no_large_prime_factor():
    for m in (1, 7, 1031, 8209 * 2 - 1, 65537):
        size = fast_size(m)
        rest = size
        for p in (2, 3, 5):
            while rest % p == 0:
                rest //= p
        assert size >= m and rest == 1 and size < 1.25 * m + 2
