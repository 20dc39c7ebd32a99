"""The tiny video DiT: frame-major 3-D patches, 3-D RoPE, adaLN-Zero, one attention hook call per layer."""

from __future__ import annotations

import pytest
import torch

from evaluator.benchmarks.vdit.dit.model import DiTConfig, VideoDiT, attend_dense, patchify, unpatchify
from evaluator.benchmarks.vdit.dit.rope import rope_angles, rope_apply, rope_split

TINY = DiTConfig(frames=2, size=8, dim=32, depth=3, heads=2)


def _perturbed(config: DiTConfig = TINY, seed: int = 0) -> VideoDiT:
    """A model whose zero-initialised (adaLN-Zero) layers are given random weights, so every path matters."""
    torch.manual_seed(seed)
    model = VideoDiT(config)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.1 * torch.randn_like(p))
    return model.eval()


def _inputs(config: DiTConfig = TINY, batch: int = 2):
    g = torch.Generator().manual_seed(1)
    x = torch.randn(batch, config.channels, config.frames, config.size, config.size, generator=g)
    return x, torch.rand(batch, generator=g), torch.arange(batch) % config.classes


def test_default_config_has_at_least_2048_tokens_per_video():
    assert DiTConfig().tokens >= 2048 and DiTConfig().grid == (8, 16, 16)


def test_patchify_orders_tokens_frame_major_and_round_trips():
    video = torch.arange(1 * 3 * 2 * 4 * 4, dtype=torch.float32).reshape(1, 3, 2, 4, 4)
    tokens = patchify(video=video, patch=(1, 2, 2))
    assert tokens.shape == (1, 2 * 2 * 2, 12)
    # token (frame 1, row 0, col 1) is index 1*4 + 0*2 + 1 = 5; its first value is channel 0, pixel (1, 0, 2)
    assert tokens[0, 5, 0] == video[0, 0, 1, 0, 2]
    assert torch.equal(unpatchify(tokens=tokens, patch=(1, 2, 2), grid=(2, 2, 2), channels=3), video)


def test_rope_split_gives_even_parts_summing_to_head_dim():
    for d in (16, 32, 64):
        parts = rope_split(head_dim=d)
        assert sum(parts) == d and all(p % 2 == 0 and p > 0 for p in parts)
    with pytest.raises(ValueError, match="head_dim"):
        rope_split(head_dim=12)


def test_rope_scores_depend_only_on_relative_3d_position():
    grid, d = (4, 4, 4), 16
    angles = rope_angles(grid=grid, head_dim=d)
    g = torch.Generator().manual_seed(0)
    q, k = torch.randn(d, generator=g), torch.randn(d, generator=g)
    rq = rope_apply(x=q.expand(64, d), angles=angles)
    rk = rope_apply(x=k.expand(64, d), angles=angles)

    def idx(f, r, c):
        return f * 16 + r * 4 + c

    same_offset = [(rq[idx(0, 0, 0)] @ rk[idx(1, 2, 1)]), (rq[idx(2, 1, 2)] @ rk[idx(3, 3, 3)])]
    assert torch.allclose(same_offset[0], same_offset[1], atol=1e-4)
    assert not torch.allclose(
        rq[idx(0, 0, 0)] @ rk[idx(1, 2, 1)], rq[idx(0, 0, 0)] @ rk[idx(1, 1, 2)], atol=1e-3
    )
    assert torch.allclose(rq.norm(dim=1), q.norm().expand(64), atol=1e-4)


def test_model_output_has_the_video_shape():
    x, t, y = _inputs()
    assert _perturbed()(x, t, y).shape == x.shape


def test_model_starts_at_zero_output_adaln_zero():
    x, t, y = _inputs()
    assert torch.count_nonzero(VideoDiT(TINY)(x, t, y)) == 0


def test_model_calls_the_hook_once_per_layer_with_head_shaped_tensors():
    calls = []

    def hook(layer, q, k, v):
        calls.append((layer, tuple(q.shape), tuple(k.shape), tuple(v.shape)))
        return attend_dense(layer, q, k, v)

    x, t, y = _inputs()
    _perturbed()(x, t, y, attend=hook)
    shape = (2, TINY.heads, TINY.tokens, TINY.head_dim)
    assert calls == [(i, shape, shape, shape) for i in range(TINY.depth)]


def test_model_output_depends_on_the_hook_result():
    x, t, y = _inputs()
    model = _perturbed()
    dense = model(x, t, y)
    zeroed = model(
        x,
        t,
        y,
        attend=lambda layer, q, k, v: torch.zeros_like(v) if layer == 1 else attend_dense(layer, q, k, v),
    )
    assert not torch.allclose(dense, zeroed)


def test_model_is_deterministic_and_conditioned_on_class_and_time():
    x, t, y = _inputs()
    a, b = _perturbed(seed=3), _perturbed(seed=3)
    assert torch.equal(a(x, t, y), b(x, t, y))
    assert not torch.allclose(a(x, t, y), a(x, t, (y + 1) % TINY.classes))
    assert not torch.allclose(a(x, t, y), a(x, t * 0.5, y))


def test_model_rejects_a_video_of_the_wrong_shape():
    x, t, y = _inputs()
    with pytest.raises(ValueError, match="video shape"):
        _perturbed()(x[:, :, :1], t, y)


def test_config_rejects_a_patch_that_does_not_divide_the_video():
    with pytest.raises(ValueError, match="patch"):
        DiTConfig(size=30, patch=(1, 4, 4))
