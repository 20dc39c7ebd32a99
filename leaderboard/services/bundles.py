"""Public data bundles: a ZIP of a phase's public paths, built once and cached beside the data."""

from __future__ import annotations

import os
import uuid
import zipfile
from pathlib import Path

from evaluator.registry import benchmark_get
from leaderboard.models import Phase
from leaderboard.services.benchmarks import benchmark_data_dir
from leaderboard.services.errors import BenchmarkDataError
from leaderboard.services.payloads import storage_unavailable


def _public_files(public_dir: Path, paths: tuple[str, ...]) -> list[Path]:
    """The files under the phase's public paths, refusing paths that leave the public folder."""
    root = public_dir.resolve()
    files: list[Path] = []
    for rel in paths:
        start = (root / rel).resolve()
        if root != start and root not in start.parents:
            raise BenchmarkDataError(f"public path {rel!r} leaves the public folder")
        if not start.exists():
            raise BenchmarkDataError(f"public path {rel!r} does not exist")
        candidates = [start] if start.is_file() else sorted(p for p in start.rglob("*"))
        for path in candidates:
            if path.is_symlink() or not path.is_file():
                continue
            resolved = path.resolve()
            if root not in resolved.parents:
                raise BenchmarkDataError(f"{path.name} resolves outside the public folder")
            files.append(path)
    return files


def phase_bundle_path(*, phase: Phase) -> Path:
    """The phase's public ZIP (public paths only, never hidden/), built on first request; a write that fails
    (disk full, read-only) is a StorageUnavailable naming the bundle storage, and leaves no partial file."""
    benchmark = phase.benchmark
    data_dir = benchmark_data_dir(benchmark=benchmark)
    public_dir = data_dir / "public"
    if not public_dir.is_dir():
        raise BenchmarkDataError(f"the data of benchmark {benchmark.slug!r} is not built")
    bundle = data_dir / "bundles" / f"{phase.slug}.zip"
    if bundle.is_file():
        return bundle
    try:
        paths = benchmark_get(benchmark.slug).spec.phase(phase.slug).public_paths
    except ValueError as exc:
        raise BenchmarkDataError(str(exc)) from None
    files = _public_files(public_dir, paths)
    partial = bundle.with_name(f".{bundle.name}.{uuid.uuid4().hex[:8]}")
    try:
        bundle.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in files:
                archive.write(path, arcname=path.relative_to(public_dir).as_posix())
        os.replace(partial, bundle)
    except OSError as exc:
        raise storage_unavailable(area="bundle", error=exc, what="bundle") from exc
    finally:
        partial.unlink(missing_ok=True)
    return bundle
