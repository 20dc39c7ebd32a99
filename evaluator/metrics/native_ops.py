"""The compiled metric kernels (native/*.c): SSIM map, squared-error sums, LPIPS input and layer passes.

Each wrapper computes what the numpy/torch code beside it computes, with the same conventions;
callers fall back to that code where ``metrics_native_unavailable_reason()`` is not None.
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

import numpy as np
import torch

from kernels.backends.native.compile import remembered, shared_library, unavailable_reason

HERE = Path(__file__).parent / "native"
SOURCES = (HERE / "ssim_map.c", HERE / "psnr_sums.c", HERE / "lpips_ops.c")
_P, _I64, _F64, _F32, _INT = ctypes.c_void_p, ctypes.c_int64, ctypes.c_double, ctypes.c_float, ctypes.c_int
_SIGNATURES = {
    "ssim_map": ([_P, _P, _P, _I64, _I64, _P, _F64, _F64, _INT], _INT),
    "squared_error_sums": ([_P, _P, _P, _I64, _P, _P, _INT], None),
    "lpips_prep": ([_P, _P, _I64, _P, _I64, _I64, _P, _P, _INT], None),
    "lpips_layer_sums": ([_P, _I64, _INT, _F32, _P, _INT], _INT),
}


@remembered
def metrics_library() -> ctypes.CDLL:
    """The compiled metric kernels, built on first use; raises NativeUnavailable saying why not."""
    lib = shared_library(name="sparsebench-metrics", sources=SOURCES)
    for name, (args, result) in _SIGNATURES.items():
        fn = getattr(lib, name)
        fn.argtypes, fn.restype = args, result
    return lib


def metrics_native_unavailable_reason() -> str | None:
    """None when the compiled metric kernels can be used here, else why not."""
    return unavailable_reason(metrics_library)


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
