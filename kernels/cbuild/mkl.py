"""MKL's routines, found in the CPU library torch has already loaded (x86-64 builds export them)."""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

import torch

from kernels.cbuild.compile import NativeUnavailable, remembered

# MKL's C entry points, which torch's CPU library embeds and exports on x86-64 builds
MKL_SYMBOLS = ("sgemm_", "MKL_Set_Num_Threads_Local")


def _torch_cpu_library() -> ctypes.CDLL:
    """torch's already loaded CPU library, opened again to look up MKL's exported routines."""
    path = Path(torch.__file__).parent / "lib" / "libtorch_cpu.so"
    if not path.exists():
        raise NativeUnavailable(f"{path} not found: this torch build has no libtorch_cpu.so to take MKL from")
    return ctypes.CDLL(str(path))


def _address(fn) -> int:
    """The address of a ctypes function."""
    return ctypes.cast(fn, ctypes.c_void_p).value


@remembered
def mkl_routines() -> tuple[int, int]:
    """Addresses of MKL's ``sgemm_`` and ``MKL_Set_Num_Threads_Local`` in torch's CPU library."""
    if os.uname().machine != "x86_64":
        raise NativeUnavailable(f"the native kernels need x86-64 (torch's MKL), not {os.uname().machine}")
    torch_lib = _torch_cpu_library()
    missing = [name for name in MKL_SYMBOLS if not hasattr(torch_lib, name)]
    if missing:
        raise NativeUnavailable(f"torch's CPU library does not export MKL's {', '.join(missing)}")
    return _address(torch_lib.sgemm_), _address(torch_lib.MKL_Set_Num_Threads_Local)
