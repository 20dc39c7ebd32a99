"""Sandbox test helpers: small limits, starting a corpus module, a digest of a host folder."""

from __future__ import annotations

import contextlib
import hashlib
import os
import sysconfig
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from sb_ci import skip_now_unless_ci

from evaluator.sandbox import SandboxedMethod, SandboxSpec, sandbox_available
from evaluator.sandbox.upload import SubmissionFiles, submission_files

CORPUS = Path(__file__).resolve().parents[1] / "evaluator" / "sandbox" / "corpus"
#: small limits so that the hostile corpus fails fast (start-up imports torch: room for a busy machine)
TEST_SPEC = SandboxSpec(
    cpu_seconds=30, memory_bytes=3 << 30, processes=48, written_bytes=8 << 20, output_bytes=256 << 10,
    start_seconds=60.0, call_seconds=10.0, input_bytes=64 << 20, answer_bytes=16 << 20, threads=1,
)  # fmt: skip


def tree_digest(root: Path) -> str:
    """A digest of every path, mode and content under ``root``."""
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        h.update(str(path.relative_to(root)).encode() + oct(path.stat().st_mode).encode())
        if path.is_file():
            h.update(path.read_bytes())
    return h.hexdigest()


def host_places(host: Path) -> dict[str, str]:
    """The corpus's placeholders naming the places a probe attacks, as a worker holds them: ``host``'s
    private data root, other submissions and database, and the real interpreter, system and kernels."""
    return {
        "@PRIVATE@": str(host / "private"), "@OTHERS@": str(host / "others"),
        "@DATABASE@": str(host / "var" / "db.sqlite3"), "@SITE@": sysconfig.get_paths()["purelib"],
        "@USR@": "/usr", "@KERNELS@": "/sandbox/lib/kernels", "@ADDRESS@": "127.0.0.1", "@PORT@": "9",
    }  # fmt: skip


def worker_holdings() -> tuple[int, int]:
    """What this (worker) process holds of sandboxes: shared regions (memfds) and threads."""
    regions = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            regions += os.readlink(f"/proc/self/fd/{fd}").startswith("/memfd:sb-")
        except OSError:
            continue
    return regions, threading.active_count()


def corpus_source(module: str, places: dict[str, str] | None = None) -> str:
    """``corpus/<module>.py`` with its placeholders replaced by ``places`` (see host_places)."""
    source = (CORPUS / f"{module}.py").read_text()
    for mark, value in (places or {}).items():
        source = source.replace(mark, value)
    return source


#: a bwrap that fails as it does where the kernel or the container forbids new namespaces
REFUSING_BWRAP = "#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n"
#: what sandbox_available's reason says in each case
UNAVAILABLE_REASONS = {
    "missing": "apt-get install bubblewrap", "refused": "No permissions to create new namespace",
}  # fmt: skip


@contextlib.contextmanager
def sandbox_unavailable(how: str, folder: Path) -> Iterator[str]:
    """bubblewrap unavailable inside the block, ``how``: "missing" (not on PATH) or "refused" (a bwrap in
    ``folder`` that fails to create namespaces). Yields the reason's expected words."""
    old = os.environ["PATH"]
    if how == "missing":
        os.environ["PATH"] = str(folder)
    else:
        (folder / "bwrap").write_text(REFUSING_BWRAP)
        (folder / "bwrap").chmod(0o755)
        os.environ["PATH"] = f"{folder}:{old}"
    sandbox_available.cache_clear()
    try:
        yield UNAVAILABLE_REASONS[how]
    finally:
        os.environ["PATH"] = old
        sandbox_available.cache_clear()


def sandbox_assumed(monkeypatch) -> None:
    """Judge uploads as a deployment that can run code does (for tests of the upload rules, not of the
    sandbox: they then pass where bubblewrap is missing too); nothing is run."""
    from evaluator.sandbox import command

    monkeypatch.setattr(command, "sandbox_available", lambda: (True, ""))


def sandbox_required() -> None:
    """Skip with the reason when bubblewrap cannot run here (under CI: carry on, and fail)."""
    ok, why = sandbox_available()
    skip_now_unless_ci(None if ok else f"the sandbox: {why}")


def sandbox_start(module: str, *, places: dict[str, str] | None = None, **spec_changes) -> SandboxedMethod:
    """A started sandbox running ``corpus/<module>.py`` (placeholders from ``places``) under TEST_SPEC
    (with ``spec_changes``)."""
    sandbox_required()
    files = SubmissionFiles({"submission.py": corpus_source(module, places).encode()})
    method = SandboxedMethod(files=files, spec=replace(TEST_SPEC, **spec_changes))
    method.start()
    return method


def sandbox_start_package(modules: list[str], *, places: dict[str, str], upload: Path) -> SandboxedMethod:
    """A started sandbox running a ZIP package of corpus modules; ``select`` calls the one at ``layer``."""
    sandbox_required()
    init = (
        "import importlib\n"
        f"MODULES = {modules!r}\n"
        "def select(q, k, **info):\n"
        "    return importlib.import_module('submission.' + MODULES[info['layer']]).select(q, k, **info)\n"
    )
    with zipfile.ZipFile(upload, "w") as z:
        z.writestr("submission/__init__.py", init)
        for module in modules:
            z.writestr(f"submission/{module}.py", corpus_source(module, places))
    method = SandboxedMethod(files=submission_files(path=upload), spec=TEST_SPEC)
    method.start()
    return method
