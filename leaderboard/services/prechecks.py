"""upload_precheck: a benchmark's cheap checks of an upload, run before anything is stored or queued."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePath

from django.conf import settings

from evaluator.contract import Benchmark as BenchmarkPlugin
from evaluator.contract import Payload
from evaluator.registry import benchmark_get
from leaderboard.models import Phase
from leaderboard.services.benchmarks import benchmark_data_dir
from leaderboard.services.errors import PayloadTooLarge
from leaderboard.services.payloads import payload_chunks, storage_unavailable

#: The longest file name, in UTF-8 bytes, the transient copy keeps (the end of a longer one, extension
#: included; file systems refuse names past 255 bytes).
NAME_MAX_BYTES = 200


def upload_shown_name(*, upload) -> str:
    """The name the submitter gave the file, without folders ("" when it gave none)."""
    return PurePath(getattr(upload, "name", "") or "").name


def _safe_name(*, upload) -> str:
    """The submitter's file name, made safe to create in a private folder (same extension)."""
    name = upload_shown_name(upload=upload).replace("\x00", "")
    name = name.encode("utf-8", errors="replace")[-NAME_MAX_BYTES:].decode("utf-8", errors="ignore")
    return "upload" if name in {"", ".", ".."} else name


@contextlib.contextmanager
def _transient_copy(*, upload, limit_bytes: int) -> Iterator[Path]:
    """The upload as a file named as the submitter named it, in a private folder removed afterwards."""
    base = getattr(settings, "FILE_UPLOAD_TEMP_DIR", None) or None
    try:
        folder = tempfile.TemporaryDirectory(prefix="sparsebench-precheck-", dir=base)
    except OSError as exc:
        raise storage_unavailable(area="upload check", error=exc) from exc
    with folder as root:
        path = Path(root) / _safe_name(upload=upload)
        source = getattr(upload, "temporary_file_path", None)
        try:
            if source is not None:
                os.symlink(source(), path)  # Django already spooled it to disk: no second copy
            else:
                _copy(upload=upload, path=path, limit_bytes=limit_bytes)
        except OSError as exc:
            raise storage_unavailable(area="upload check", error=exc) from exc
        yield path


def _copy(*, upload, path: Path, limit_bytes: int) -> None:
    """Write the upload's bytes to `path`; over the cap: PayloadTooLarge."""
    size = 0
    with open(path, "wb") as out:  # a fresh private folder (mkdtemp, 0700): nothing else can be there
        for block in payload_chunks(upload=upload):
            size += len(block)
            if size > limit_bytes:
                raise PayloadTooLarge(limit_bytes, size)
            out.write(block)


def _has_precheck(plugin: BenchmarkPlugin) -> bool:
    """Whether the plugin overrides the contract's default (no checks at upload)."""
    return type(plugin).precheck is not BenchmarkPlugin.precheck


def upload_precheck(*, phase: Phase, upload=None, config: dict | None = None, limit_bytes: int) -> list[str]:
    """The problems the benchmark's precheck finds in a file `upload` or a `config`, as "where: why" lines
    in its order (causes first); none when it has no precheck, is not registered here or has no data."""
    try:
        plugin = benchmark_get(phase.benchmark.slug)
    except ValueError:
        return []  # a benchmark this process does not know: the worker says so
    public_dir = benchmark_data_dir(benchmark=phase.benchmark) / "public"
    if not _has_precheck(plugin) or not public_dir.is_dir():
        return []
    if upload is None:
        payload = Payload(phase=phase.slug, public_dir=public_dir, config=config or {})
        return [str(problem) for problem in plugin.precheck(payload)]
    with _transient_copy(upload=upload, limit_bytes=limit_bytes) as path:
        payload = Payload(phase=phase.slug, public_dir=public_dir, file=path)
        return [str(problem) for problem in plugin.precheck(payload)]
