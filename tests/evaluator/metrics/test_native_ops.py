"""Specs: the compiled metric kernels compute what the numpy/torch code beside them computes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sb_ci import skip_unless_ci

from evaluator.metrics import native_ops
from evaluator.metrics.lpips import lpips_network, pair_tensor
from evaluator.metrics.lpips_net import EPS

REASON = native_ops.metrics_native_unavailable_reason()
# gcc is on every machine this project runs on: missing it skips here, but fails under CI=true
pytestmark = skip_unless_ci(REASON)


def _pair(shape, seed):
    rng = np.random.default_rng(seed)
    a = rng.random((*shape, 3))
    return a, np.clip(a + 0.1 * rng.standard_normal(a.shape), 0.0, 1.0)


def test_compiled_metric_kernels_build_here():
    assert REASON is None, REASON


@pytest.mark.parametrize("crop", [False, True], ids=["whole", "crop-view"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_lpips_input_is_bitwise_the_torch_scaling(crop, dtype):
    a, b = _pair((90, 70), 1)
    a, b = a.astype(dtype), b.astype(dtype)
    if crop:
        a, b = a[13:77, 9:50], b[13:77, 9:50]
    net = lpips_network()
    with torch.inference_mode():
        expected = pair_tensor(a, b).sub(net.shift).div_(net.scale)
        got = native_ops.lpips_input_native(a, b, shift=net.shift, scale=net.scale)
    assert got.shape == expected.shape and got.is_contiguous(memory_format=torch.channels_last)
    assert torch.equal(got, expected)


def test_lpips_layer_sums_equal_the_torch_normalise_difference_square_sum():
    g = torch.Generator().manual_seed(2)
    feats = torch.rand(2, 192, 37, 29, generator=g).contiguous(memory_format=torch.channels_last)
    feats[0, :, 3, 4] = 0.0  # a pixel with a zero feature vector: eps keeps it finite
    norm = torch.linalg.vector_norm(feats.double(), dim=1, keepdim=True) + EPS
    unit = feats.double() / norm
    expected = ((unit[0] - unit[1]) ** 2).sum(dim=(1, 2))
    got = native_ops.lpips_layer_sums_native(feats, eps=EPS)
    assert torch.allclose(got, expected, rtol=1e-6, atol=0)


def test_lpips_through_the_compiled_passes_equals_the_torch_path():
    a, b = _pair((120, 150), 3)
    net = lpips_network()
    with torch.inference_mode():
        plain = float(net.pair_distance(pair_tensor(a, b))[0])
        batch = native_ops.lpips_input_native(a, b, shift=net.shift, scale=net.scale)
        compiled = float(net.scaled_pair_distance(batch, passes=native_ops.COMPILED_PASSES)[0])
    assert compiled == pytest.approx(plain, rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("shape", [(1, 16, 24, 10), (2, 8, 7, 9), (2, 24, 31, 40)])
def test_winograd_conv_relu_is_as_close_to_float64_as_the_direct_convolution(shape):
    n, c, h, w = shape
    g = torch.Generator().manual_seed(h * w)
    conv = torch.nn.Conv2d(c, 12, kernel_size=3, padding=1)
    with torch.no_grad():
        conv.weight.copy_(torch.randn(conv.weight.shape, generator=g) / (3 * c**0.5))
        conv.bias.copy_(torch.randn(12, generator=g) * 0.1)
    x = torch.randn(shape, generator=g).relu()
    with torch.inference_mode():
        weight, bias = conv.weight.double(), conv.bias.double()
        exact = torch.nn.functional.conv2d(x.double(), weight, bias, padding=1).relu()
        direct = conv(x).relu()
        got = native_ops.conv3x3_relu_native(x, conv)
    assert got.shape == exact.shape
    err = float((got.double() - exact).norm() / exact.norm())
    assert err <= max(2.0 * float((direct.double() - exact).norm() / exact.norm()), 1e-7), err


def test_winograd_refuses_other_convolutions_by_name():
    with pytest.raises(ValueError, match="3x3 convolutions, stride 1, padding 1"):
        strided = torch.nn.Conv2d(3, 4, kernel_size=3, stride=2)
        native_ops.conv3x3_relu_native(torch.zeros(1, 3, 8, 8), strided)


def test_squared_error_sums_equal_numpy_over_the_image_and_the_mask():
    a, b = _pair((61, 47), 4)
    mask = np.zeros((61, 47), dtype=bool)
    mask[10:30, 5:40] = True
    sq = ((a - b) ** 2).sum(axis=-1)
    total, inside = native_ops.squared_error_sums_native(a, b, mask, threads=3)
    assert total == pytest.approx(float(sq.sum()), rel=1e-12)
    assert inside == pytest.approx(float(sq[mask].sum()), rel=1e-12)
    assert native_ops.squared_error_sums_native(a, a, mask) == (0.0, 0.0)
