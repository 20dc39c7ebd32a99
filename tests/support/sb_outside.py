"""The hostile corpus's negative controls: a worker-like host to attack, and a probe run outside the sandbox.

Each hostile test runs its probe in the sandbox (it must fail with a named problem) and the same probe
here, outside it, where it must succeed: otherwise the test could not fail."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import socket
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from sb_sandbox import CORPUS, corpus_source, tree_digest

INFO = {"causal": True, "block_size": [16, 16], "layer": 0, "step": None, "geometry": None}
#: runs ``select`` of the module at argv[1] in a plain interpreter (no torch: these probes need none)
RUNNER = (
    "import importlib.util, json, resource, sys\n"
    "resource.setrlimit(resource.RLIMIT_CORE, (0, 0))\n"
    "spec = importlib.util.spec_from_file_location('submission', sys.argv[1])\n"
    "module = importlib.util.module_from_spec(spec)\n"
    "spec.loader.exec_module(module)\n"
    f"out = module.select(None, None, **{INFO!r})\n"
    "sys.stdout.write('\\nRESULT ' + json.dumps(out) + '\\n')\n"
)


def host_make(root: Path) -> Path:
    """A worker's places under ``root``: a private data root with a secret, another submission, and a
    SQLite database with three submission rows."""
    (root / "private" / "hidden").mkdir(parents=True)
    (root / "private" / "hidden" / "answers.txt").write_text("the hidden ground truth")
    (root / "others" / "alice").mkdir(parents=True)
    (root / "others" / "alice" / "submission.py").write_text("SECRET_METHOD = 1\n")
    (root / "var").mkdir()
    with contextlib.closing(sqlite3.connect(root / "var" / "db.sqlite3")) as db, db:
        db.execute("CREATE TABLE submission (id INTEGER PRIMARY KEY, owner TEXT)")
        db.executemany("INSERT INTO submission (owner) VALUES (?)", [("alice",), ("bob",), ("carol",)])
    return root


def host_digest(root: Path) -> dict[str, str]:
    """A digest of each of the host's places (files, modes, the database file's bytes)."""
    return {name: tree_digest(root / name) for name in ("private", "others", "var")}


def database_rows(root: Path) -> int:
    """The host database's submission rows."""
    with contextlib.closing(sqlite3.connect(root / "var" / "db.sqlite3")) as db:
        return db.execute("SELECT count(*) FROM submission").fetchone()[0]


def outside_call(module: str, places: dict[str, str], *, q=None, k=None):
    """``select`` of the corpus module called in this process (outside any sandbox): its value."""
    return source_call(corpus_source(module, places), name=str(CORPUS / f"{module}.py"), q=q, k=k)


def source_call(source: str, *, name: str = "<probe>", q=None, k=None):
    """``select`` of a module's ``source`` called in this process (outside any sandbox): its value."""
    spec = importlib.util.spec_from_loader("outside_probe", loader=None)
    namespace = importlib.util.module_from_spec(spec)
    exec(compile(source, name, "exec"), namespace.__dict__)  # noqa: S102
    return namespace.select(q, k, **INFO)


def outside_start(module: str, folder: Path, places: dict[str, str] | None = None) -> subprocess.Popen:
    """The corpus module written to ``folder``/submission.py, its ``select`` started in a plain interpreter
    outside the sandbox, in ``folder`` (stdout piped, stderr merged)."""
    path = folder / "submission.py"
    path.write_text(corpus_source(module, places))
    return subprocess.Popen(
        [sys.executable, "-I", "-c", RUNNER, str(path)], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, start_new_session=True, cwd=folder,
    )  # fmt: skip


def outside_result(proc: subprocess.Popen, *, timeout: float = 30.0) -> tuple[int, str]:
    """(exit status, what it printed) once the control has ended."""
    out, _ = proc.communicate(timeout=timeout)
    return proc.returncode, out.decode("utf-8", "replace")


def outside_stop(proc: subprocess.Popen) -> None:
    """Kill a control that is still running (and its session's processes)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, 9)
    proc.communicate()


def _answers(address: str, port: int) -> bool:
    """Whether a TCP service answers at (address, port)."""
    try:
        socket.create_connection((address, port), timeout=1).close()
        return True
    except OSError:
        return False


@contextlib.contextmanager
def listening(address: str, port: int = 0):
    """A TCP service at (address, port) on the host while inside: the real one where one answers there
    (PostgreSQL, Redis on a developer's machine), else a stand-in. Yields the port (``port`` 0: any)."""
    if port and _answers(address, port):
        yield port
        return
    server = socket.create_server((address, port), backlog=16)
    server.settimeout(0.1)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            with contextlib.suppress(OSError):
                server.accept()[0].close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        server.close()


def host_address() -> str:
    """This host's own non-loopback IPv4 address (no packet is sent), 127.0.0.1 when it has none."""
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_DGRAM)) as s:
        try:
            s.connect(("192.0.2.1", 9))
            return s.getsockname()[0]
        except OSError:  # no route out of this host
            return "127.0.0.1"
