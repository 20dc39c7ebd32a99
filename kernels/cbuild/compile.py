"""Build C sources into a shared library once per machine, cached, and remember failures per process."""

from __future__ import annotations

import ctypes
import functools
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

# torch first: its libgomp.so.1 must be the one every -fopenmp library of ours resolves to
import torch  # noqa: F401

# -fopenmp links libgomp.so.1, which resolves to the copy torch has already loaded: one thread team.
# -fno-trapping-math lets gcc turn the selects in exp_fast into blends on AVX2 (AVX-512 masks them
# anyway): without it the exp loop stays scalar there, 11x slower. No code of ours reads FP traps.
FLAGS = ("-O3", "-fno-trapping-math", "-fopenmp", "-fPIC", "-shared")
#: the -march target, "native" unless $SPARSEBENCH_NATIVE_MARCH says otherwise (say x86-64-v3, AVX2 only)
MARCH_ENV = "SPARSEBENCH_NATIVE_MARCH"
COMPILE_TIMEOUT_S = 120
T = TypeVar("T")


class NativeUnavailable(RuntimeError):
    """A compiled kernel cannot be used on this machine (the message says why)."""


def cache_dir() -> Path:
    """Where built kernels live: $SPARSEBENCH_KERNEL_CACHE, else <XDG cache home>/sparsebench/kernels."""
    explicit = os.environ.get("SPARSEBENCH_KERNEL_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sparsebench" / "kernels"


def shared_library(*, name: str, sources: Sequence[Path], headers: Sequence[Path] = ()) -> ctypes.CDLL:
    """``sources`` compiled with gcc (or $CC) into a cached library for this CPU, loaded.

    The cache key covers the sources, headers, flags, compiler version and the CPU's model and flags
    (``-march=native`` builds are only valid on the same CPU). Raises NativeUnavailable.
    """
    compiler = _compiler()
    target = library_path(name=name, sources=sources, headers=headers)
    if not target.exists():
        _compile(compiler, sources, headers, target)
    try:
        return ctypes.CDLL(str(target))
    except OSError:  # a damaged cache entry (a truncated copy, a full disk): build it once more
        target.unlink(missing_ok=True)
        _compile(compiler, sources, headers, target)
    try:
        return ctypes.CDLL(str(target))
    except OSError as exc:
        raise NativeUnavailable(f"the freshly built {target} does not load: {exc}") from exc


def library_path(*, name: str, sources: Sequence[Path], headers: Sequence[Path] = ()) -> Path:
    """Where the build of ``sources`` for this compiler, these flags and this CPU is cached."""
    compiler = _compiler()
    try:
        version = subprocess.run([compiler, "--version"], capture_output=True, text=True).stdout
    except OSError as exc:
        raise NativeUnavailable(f"the C compiler {compiler} cannot run: {exc}") from exc
    texts = [p.read_text() for p in (*sources, *headers)]
    parts = (*texts, " ".join(_flags()), version, _cpu_signature())
    digest = hashlib.sha256(b"\0".join(x.encode() for x in parts)).hexdigest()[:16]
    return cache_dir() / f"{name}-{digest}.so"


def _compiler() -> str:
    """$CC, else gcc or cc on PATH; NativeUnavailable when there is none."""
    compiler = os.environ.get("CC") or shutil.which("gcc") or shutil.which("cc")
    if compiler is None:
        raise NativeUnavailable("no C compiler (gcc or cc on PATH, or $CC) to build the native kernels")
    return compiler


def remembered(load: Callable[[], T]) -> Callable[[], T]:
    """Decorator: call ``load`` once per process and return (or re-raise) its outcome afterwards."""
    outcome: list = []

    @functools.wraps(load)
    def wrapper() -> T:
        """The remembered result, or the remembered NativeUnavailable raised again."""
        if not outcome:
            try:
                outcome.append(load())
            except NativeUnavailable as exc:
                outcome.append(exc)
        if isinstance(outcome[0], NativeUnavailable):
            raise outcome[0]
        return outcome[0]

    return wrapper


def unavailable_reason(load: Callable[[], object]) -> str | None:
    """None when ``load()`` succeeds, else the NativeUnavailable message."""
    try:
        load()
    except NativeUnavailable as exc:
        return str(exc)
    return None


def _march() -> str:
    """The -march target: $SPARSEBENCH_NATIVE_MARCH (a gcc target name such as x86-64-v3), else native."""
    raw = os.environ.get(MARCH_ENV, "").strip()
    if raw and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}", raw):
        raise NativeUnavailable(f"{MARCH_ENV}={raw!r} is not a gcc -march target (e.g. native, x86-64-v3)")
    return raw or "native"


def _flags() -> tuple[str, ...]:
    """The compiler flags, with the -march target."""
    return (*FLAGS, f"-march={_march()}")


def _cpu_signature() -> str:
    """The CPU's model and feature flags."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return os.uname().machine
    keep = [ln for ln in lines if ln.startswith(("model name", "flags"))][:2]
    return "\n".join(keep) or os.uname().machine


def _compile(compiler: str, sources: Sequence[Path], headers: Sequence[Path], target: Path) -> None:
    """Compile into ``target`` atomically (concurrent workers may race to build it); the folders of
    the sources and headers are on the include path."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(suffix=".so", dir=target.parent)
    except OSError as exc:
        raise NativeUnavailable(
            f"cannot write the kernel cache {target.parent} ({exc}); point $SPARSEBENCH_KERNEL_CACHE "
            "at a writable folder"
        ) from exc
    os.close(fd)
    include = [f"-I{d}" for d in sorted({str(p.parent) for p in (*sources, *headers)})]
    command = [compiler, *_flags(), *include, "-o", tmp, *map(str, sources), "-lm"]
    try:
        try:
            proc = subprocess.run(command, capture_output=True, text=True, timeout=COMPILE_TIMEOUT_S)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise NativeUnavailable(f"compiling {target.stem} with {compiler} did not finish: {exc}") from exc
        if proc.returncode != 0:
            message = proc.stderr.strip()[:800]
            named = os.environ.get(MARCH_ENV, "").strip()
            chosen = f" (-march from {MARCH_ENV}={named!r})" if named else ""
            raise NativeUnavailable(f"compiling {target.stem} with {compiler} failed{chosen}: {message}")
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
