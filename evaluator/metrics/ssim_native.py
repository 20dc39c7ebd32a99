"""The SSIM map through the compiled kernel (native/ssim_map.c): same conventions as ssim.ssim_map."""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

import numpy as np

from kernels.backends.native.compile import remembered, shared_library, unavailable_reason

SOURCE = Path(__file__).parent / "native" / "ssim_map.c"
_P, _I64, _F64 = ctypes.c_void_p, ctypes.c_int64, ctypes.c_double


@remembered
def ssim_library() -> ctypes.CDLL:
    """The compiled SSIM kernel, built on first use; raises NativeUnavailable saying why not."""
    lib = shared_library(name="sparsebench-ssim", sources=(SOURCE,))
    lib.ssim_map.argtypes = [_P, _P, _P, _I64, _I64, _P, _F64, _F64, ctypes.c_int]
    lib.ssim_map.restype = ctypes.c_int
    return lib


def ssim_native_unavailable_reason() -> str | None:
    """None when the compiled SSIM kernel can be used here, else why not."""
    return unavailable_reason(ssim_library)


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
    lib = ssim_library()
    if radius != 5:
        raise ValueError(f"the compiled SSIM kernel has 11 taps (radius 5), not radius {radius}")
    x = np.ascontiguousarray(pred, dtype=np.float64)
    y = np.ascontiguousarray(target, dtype=np.float64)
    height, width = x.shape[:2]
    out = np.empty((height, width), dtype=np.float64)
    taps = gaussian_taps(sigma=sigma, radius=radius)
    status = lib.ssim_map(
        x.ctypes.data, y.ctypes.data, out.ctypes.data, height, width, taps.ctypes.data, c1, c2,
        threads or os.cpu_count() or 1,
    )  # fmt: skip
    if status != 0:
        raise MemoryError("compiled SSIM kernel: could not allocate its row buffers")
    return out
