"""One C build helper for every compiled kernel (attention and image metrics): gcc, a per-CPU cache, MKL."""

from pathlib import Path

from kernels.cbuild.compile import (
    NativeUnavailable,
    cache_dir,
    library_path,
    remembered,
    shared_library,
    unavailable_reason,
)
from kernels.cbuild.mkl import mkl_routines

#: the header every compiled kernel includes: MKL's function types and a vectorisable exp
COMMON_HEADER = Path(__file__).parent / "common.h"

__all__ = [
    "COMMON_HEADER",
    "NativeUnavailable",
    "cache_dir",
    "library_path",
    "mkl_routines",
    "remembered",
    "shared_library",
    "unavailable_reason",
]
