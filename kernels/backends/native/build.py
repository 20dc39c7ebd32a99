"""Compile the C kernels once per machine and bind them to MKL's routines in torch's library."""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import torch

HERE = Path(__file__).parent
SOURCES = (HERE / "block_sparse.c", HERE / "block_importance.c")
HEADERS = (HERE / "common.h",)
# -fopenmp links libgomp.so.1, which resolves to the copy torch has already loaded: one thread team
FLAGS = ("-O3", "-march=native", "-fopenmp", "-fPIC", "-shared")
# MKL's C entry points, which torch's CPU library embeds and exports on x86-64 builds
MKL_SYMBOLS = ("sgemm_", "MKL_Set_Num_Threads_Local")
_P = ctypes.c_void_p
_INT, _F32 = ctypes.c_int, ctypes.c_float
_FORWARD_ARGS = [_P] * 5 + [ctypes.c_int64] + [_P] * 5 + [_INT] * 4 + [_F32, _INT] + [_P] * 2
_IMPORTANCE_ARGS = [_P] * 3 + [ctypes.c_int64] + [_INT] * 5 + [_P] * 2


class NativeUnavailable(RuntimeError):
    """The compiled kernel cannot be used on this machine (the message says why)."""


@dataclass(frozen=True)
class NativeLibrary:
    """The bound kernels and the addresses of the MKL routines they call."""

    forward: ctypes._CFuncPtr  # block_sparse_forward (block_sparse.c)
    importance: ctypes._CFuncPtr  # block_importance (block_importance.c)
    sgemm: int
    mkl_threads_local: int
    path: Path


def cache_dir() -> Path:
    """Where built kernels live: $SPARSEBENCH_KERNEL_CACHE, else <XDG cache home>/sparsebench/kernels."""
    explicit = os.environ.get("SPARSEBENCH_KERNEL_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sparsebench" / "kernels"


def _cpu_signature() -> str:
    """The CPU's model and feature flags: a build for -march=native is only valid on the same ones."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return os.uname().machine
    keep = [ln for ln in lines if ln.startswith(("model name", "flags"))][:2]
    return "\n".join(keep) or os.uname().machine


def _compile(compiler: str, target: Path) -> None:
    """Compile the sources into ``target`` atomically (concurrent workers may race to build it)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".so", dir=target.parent)
    os.close(fd)
    try:
        proc = subprocess.run(
            [compiler, *FLAGS, f"-I{HERE}", "-o", tmp, *map(str, SOURCES), "-lm"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        if proc.returncode != 0:
            message = proc.stderr.strip()[:800]
            raise NativeUnavailable(f"compiling the native kernels with {compiler} failed: {message}")
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _torch_cpu_library() -> ctypes.CDLL:
    """torch's already loaded CPU library, opened again to look up MKL's exported routines."""
    path = Path(torch.__file__).parent / "lib" / "libtorch_cpu.so"
    if not path.exists():
        raise NativeUnavailable(f"{path} not found: this torch build has no libtorch_cpu.so to take MKL from")
    return ctypes.CDLL(str(path))


_LOADED: list[NativeLibrary | NativeUnavailable] = []


def native_library() -> NativeLibrary:
    """The compiled kernel, built on first use; raises NativeUnavailable saying what is missing.

    The outcome is remembered for the process, a failure included (no compiler run per call)."""
    if not _LOADED:
        try:
            _LOADED.append(_load())
        except NativeUnavailable as exc:
            _LOADED.append(exc)
    if isinstance(_LOADED[0], NativeUnavailable):
        raise _LOADED[0]
    return _LOADED[0]


def _address(fn) -> int:
    """The address of a ctypes function."""
    return ctypes.cast(fn, ctypes.c_void_p).value


def _load() -> NativeLibrary:
    """Check the prerequisites, compile the kernel unless a build for this machine is cached, bind it."""
    if os.uname().machine != "x86_64":
        raise NativeUnavailable(f"the native kernel needs x86-64 (torch's MKL), not {os.uname().machine}")
    torch_lib = _torch_cpu_library()
    missing = [name for name in MKL_SYMBOLS if not hasattr(torch_lib, name)]
    if missing:
        raise NativeUnavailable(f"torch's CPU library does not export MKL's {', '.join(missing)}")
    compiler = os.environ.get("CC") or shutil.which("gcc") or shutil.which("cc")
    if compiler is None:
        raise NativeUnavailable("no C compiler (gcc or cc on PATH, or $CC) to build the native kernel")
    version = subprocess.run([compiler, "--version"], capture_output=True, text=True).stdout
    texts = [p.read_text() for p in (*SOURCES, *HEADERS)]
    digest = hashlib.sha256(
        b"\0".join(x.encode() for x in (*texts, " ".join(FLAGS), version, _cpu_signature()))
    ).hexdigest()[:16]
    target = cache_dir() / f"sparsebench-native-{digest}.so"
    if not target.exists():
        _compile(compiler, target)
    lib = ctypes.CDLL(str(target))
    for fn, args in ((lib.block_sparse_forward, _FORWARD_ARGS), (lib.block_importance, _IMPORTANCE_ARGS)):
        fn.argtypes, fn.restype = args, ctypes.c_int
    return NativeLibrary(
        forward=lib.block_sparse_forward,
        importance=lib.block_importance,
        sgemm=_address(torch_lib.sgemm_),
        mkl_threads_local=_address(torch_lib.MKL_Set_Num_Threads_Local),
        path=target,
    )


def native_unavailable_reason() -> str | None:
    """None when the native kernel can be used here, else why not."""
    try:
        native_library()
    except NativeUnavailable as exc:
        return str(exc)
    return None
