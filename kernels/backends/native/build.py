"""Build the compiled attention kernels and bind them to MKL's routines in torch's library."""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from pathlib import Path

from kernels.cbuild import (
    COMMON_HEADER,
    NativeUnavailable,
    mkl_routines,
    remembered,
    shared_library,
    unavailable_reason,
)

HERE = Path(__file__).parent
SOURCES = (HERE / "block_sparse.c", HERE / "block_importance.c")
HEADERS = (COMMON_HEADER,)
_P, _INT, _F32 = ctypes.c_void_p, ctypes.c_int, ctypes.c_float
_FORWARD_ARGS = [_P] * 5 + [ctypes.c_int64] + [_P] * 8 + [_INT] * 4 + [_F32, _INT] + [_P] * 3
_IMPORTANCE_ARGS = [_P] * 3 + [ctypes.c_int64] + [_INT] * 7 + [_P] * 2

__all__ = [
    "NativeLibrary",
    "NativeUnavailable",
    "mkl_routines",
    "native_library",
    "native_unavailable_reason",
]


@dataclass(frozen=True)
class NativeLibrary:
    """The bound kernels and the addresses of the MKL routines they call."""

    forward: ctypes._CFuncPtr  # block_sparse_forward (block_sparse.c)
    importance: ctypes._CFuncPtr  # block_importance (block_importance.c)
    sgemm: int
    mkl_threads_local: int
    path: Path


def load_attention_kernels() -> NativeLibrary:
    """Check the prerequisites, compile the kernels unless a build for this machine is cached, bind them."""
    sgemm, mkl_threads_local = mkl_routines()
    lib = shared_library(name="sparsebench-attention", sources=SOURCES, headers=HEADERS)
    for fn, args in ((lib.block_sparse_forward, _FORWARD_ARGS), (lib.block_importance, _IMPORTANCE_ARGS)):
        fn.argtypes, fn.restype = args, ctypes.c_int
    return NativeLibrary(
        forward=lib.block_sparse_forward,
        importance=lib.block_importance,
        sgemm=sgemm,
        mkl_threads_local=mkl_threads_local,
        path=Path(lib._name),
    )


native_library = remembered(load_attention_kernels)
"""The attention kernels, built on first use; raises NativeUnavailable saying what is missing."""


def native_unavailable_reason() -> str | None:
    """None when the attention kernels can be used here, else why not."""
    return unavailable_reason(native_library)
