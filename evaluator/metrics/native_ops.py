"""The compiled metric kernels (native/*.c): SSIM map, squared-error sums, LPIPS input and layer passes.

Each wrapper computes what the numpy/torch code beside it computes, with the same conventions;
callers fall back to that code where ``metrics_native_unavailable_reason()`` is not None.
"""

from __future__ import annotations

import ctypes
import os
import weakref
from pathlib import Path

import numpy as np
import torch
from torch import nn

from evaluator.metrics.lpips_net import CompiledPasses
from kernels.cbuild import COMMON_HEADER, mkl_routines, remembered, shared_library, unavailable_reason

HERE = Path(__file__).parent / "native"
SOURCES = (HERE / "ssim_map.c", HERE / "psnr_sums.c", HERE / "lpips_ops.c", HERE / "winograd.c")
HEADERS = (COMMON_HEADER,)
_P, _I64, _F64, _F32, _INT = ctypes.c_void_p, ctypes.c_int64, ctypes.c_double, ctypes.c_float, ctypes.c_int
_SIGNATURES = {
    "ssim_map": ([_P, _P, _P, _I64, _I64, _P, _F64, _F64, _INT], _INT),
    "squared_error_sums": ([_P, _P, _P, _I64, _P, _P, _INT], None),
    "lpips_prep": ([_P, _P, _I64, _P, _I64, _I64, _P, _P, _INT], None),
    "lpips_layer_sums": ([_P, _I64, _INT, _F32, _P, _INT], _INT),
    "winograd_conv3x3_relu": ([_P] * 4 + [_I64] * 6 + [_INT, _P, _P], _INT),
}
WINOGRAD_BAND = 2  # tile rows per task: 2 x 50 tiles at 99 pixels wide keep V and M near the L2
_G = ((1.0, 0.0, 0.0), (0.5, 0.5, 0.5), (0.5, -0.5, 0.5), (0.0, 0.0, 1.0))


@remembered
def metrics_library() -> ctypes.CDLL:
    """The compiled metric kernels, built on first use; raises NativeUnavailable saying why not."""
    lib = shared_library(name="sparsebench-metrics", sources=SOURCES, headers=HEADERS)
    for name, (args, result) in _SIGNATURES.items():
        fn = getattr(lib, name)
        fn.argtypes, fn.restype = args, result
    return lib


def metrics_native_unavailable_reason() -> str | None:
    """None when the compiled metric kernels (and MKL, for the convolution) can be used here, else why not."""
    return unavailable_reason(metrics_library) or unavailable_reason(mkl_routines)


def _threads(threads: int | None) -> int:
    """An explicit thread count, else the machine's cores."""
    return threads or os.cpu_count() or 1


def _float64_rows(image: np.ndarray) -> np.ndarray:
    """The image itself when it is float64 with contiguous rows of pixels (a crop view qualifies),
    else a contiguous float64 copy."""
    rows = image.strides[2] == 8 and image.strides[1] == 24 and image.strides[0] > 0
    return image if image.dtype == np.float64 and rows else np.ascontiguousarray(image, dtype=np.float64)


def gaussian_taps(*, sigma: float, radius: int) -> np.ndarray:
    """The normalised 1-D Gaussian that scipy.ndimage.gaussian_filter uses (2 * radius + 1 taps)."""
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    taps = np.exp(-0.5 / (sigma * sigma) * x * x)
    return taps / taps.sum()


def ssim_map_native(
    pred: np.ndarray,
    target: np.ndarray,
    *,
    sigma: float,
    radius: int,
    c1: float,
    c2: float,
    threads: int | None,
) -> np.ndarray:
    """Channel-averaged float64 SSIM map (H x W) of two checked H x W x 3 images of at least 11 x 11."""
    lib = metrics_library()
    if radius != 5:
        raise ValueError(f"the compiled SSIM kernel has 11 taps (radius 5), not radius {radius}")
    x = np.ascontiguousarray(pred, dtype=np.float64)
    y = np.ascontiguousarray(target, dtype=np.float64)
    height, width = x.shape[:2]
    out = np.empty((height, width), dtype=np.float64)
    taps = gaussian_taps(sigma=sigma, radius=radius)
    status = lib.ssim_map(
        x.ctypes.data, y.ctypes.data, out.ctypes.data, height, width, taps.ctypes.data, c1, c2,
        _threads(threads),
    )  # fmt: skip
    if status != 0:
        raise MemoryError("compiled SSIM kernel: could not allocate its row buffers")
    return out


def squared_error_sums_native(
    pred: np.ndarray, target: np.ndarray, mask: np.ndarray, *, threads: int | None = None
) -> tuple[float, float]:
    """(sum over all pixels and channels, sum over the mask's pixels) of (pred - target)^2 in float64."""
    lib = metrics_library()
    a = np.ascontiguousarray(pred, dtype=np.float64)
    b = np.ascontiguousarray(target, dtype=np.float64)
    m = np.ascontiguousarray(mask, dtype=np.bool_)
    total, masked = ctypes.c_double(), ctypes.c_double()
    lib.squared_error_sums(
        a.ctypes.data, b.ctypes.data, m.ctypes.data, m.size, ctypes.byref(total), ctypes.byref(masked),
        _threads(threads),
    )  # fmt: skip
    return total.value, masked.value


def lpips_input_native(
    pred: np.ndarray, target: np.ndarray, *, shift: torch.Tensor, scale: torch.Tensor
) -> torch.Tensor:
    """2 x 3 x H x W channels-last float32 batch ((2 x - 1) - shift) / scale of [pred; target]."""
    lib = metrics_library()
    a, b = _float64_rows(pred), _float64_rows(target)
    if a.strides[0] != b.strides[0]:
        a, b = np.ascontiguousarray(a), np.ascontiguousarray(b)
    height, width = a.shape[:2]
    out = torch.empty((2, height, width, 3), dtype=torch.float32)
    sh = shift.reshape(3).to(torch.float32).contiguous()
    sc = scale.reshape(3).to(torch.float32).contiguous()
    lib.lpips_prep(
        a.ctypes.data, b.ctypes.data, a.strides[0] // 8, out.data_ptr(), height, width, sh.data_ptr(),
        sc.data_ptr(), torch.get_num_threads(),
    )  # fmt: skip
    return out.permute(0, 3, 1, 2)


def lpips_layer_sums_native(features: torch.Tensor, *, eps: float) -> torch.Tensor:
    """float64 (C,) spatial sums of the squared difference of the unit-normalised features of a pair.

    ``features``: 2 x C x h x w float32 in channels-last memory (image a, then image b).
    """
    lib = metrics_library()
    feats = features.contiguous(memory_format=torch.channels_last)
    pixels, channels = feats.shape[2] * feats.shape[3], feats.shape[1]
    sums = torch.empty(channels, dtype=torch.float64)
    threads = torch.get_num_threads()
    status = lib.lpips_layer_sums(feats.data_ptr(), pixels, channels, eps, sums.data_ptr(), threads)
    if status != 0:
        raise MemoryError("compiled LPIPS kernel: could not allocate its accumulators")
    return sums


_FILTERS: weakref.WeakKeyDictionary[nn.Conv2d, torch.Tensor] = weakref.WeakKeyDictionary()


def winograd_filter(conv: nn.Conv2d) -> torch.Tensor:
    """U = G g G^T of a 3x3 convolution's weights, float32 [16, C, K], computed in float64 once per module."""
    if conv not in _FILTERS:
        g = torch.tensor(_G, dtype=torch.float64)
        u = torch.einsum("ai,kcij,bj->abck", g, conv.weight.detach().double(), g)
        _FILTERS[conv] = u.reshape(16, conv.in_channels, conv.out_channels).float().contiguous()
    return _FILTERS[conv]


def conv3x3_relu_native(x: torch.Tensor, conv: nn.Conv2d) -> torch.Tensor:
    """ReLU(conv(x)) of a float32 N x C x H x W batch by Winograd F(2x2, 3x3), channels-last result."""
    if conv.kernel_size != (3, 3) or conv.stride != (1, 1) or conv.padding != (1, 1) or conv.groups != 1:
        raise ValueError(f"the Winograd kernel takes 3x3 convolutions, stride 1, padding 1: got {conv}")
    lib = metrics_library()
    sgemm, mkl_threads_local = mkl_routines()
    inp = x.float().contiguous(memory_format=torch.channels_last)
    n, c, h, w = inp.shape
    out = torch.empty((n, h, w, conv.out_channels), dtype=torch.float32)
    bias = conv.bias.detach().float().contiguous()
    status = lib.winograd_conv3x3_relu(
        inp.data_ptr(), winograd_filter(conv).data_ptr(), bias.data_ptr(), out.data_ptr(), n, h, w, c,
        conv.out_channels, WINOGRAD_BAND, torch.get_num_threads(), sgemm, mkl_threads_local,
    )  # fmt: skip
    if status != 0:
        raise MemoryError("compiled Winograd kernel: could not allocate its tile buffers")
    return out.permute(0, 3, 1, 2)


COMPILED_PASSES = CompiledPasses(layer_sums=lpips_layer_sums_native, conv3x3_relu=conv3x3_relu_native)
