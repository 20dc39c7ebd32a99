"""Settings for the test suite: a private temporary var dir, the test database of choice, an in-memory broker.

The database: SPARSEBENCH_TEST_DB=postgres|sqlite|auto (default auto: PostgreSQL at 127.0.0.1:5432 when it
answers, else SQLite). With CI=true PostgreSQL is required and its absence stops the session loudly.
Processes the tests start inherit the session's environment (SESSION_MARK set): they take it as it is.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import tempfile
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

PG_HOST, PG_PORT = "127.0.0.1", 5432
#: set to the session's var dir by the test process; its children find it and change nothing
SESSION_MARK = "SPARSEBENCH_TEST_SESSION"
_CLEARED = (
    "SPARSEBENCH_DATA_ROOT",
    "SPARSEBENCH_SUBMISSION_ROOT",
    "SPARSEBENCH_MEDIA_ROOT",
    "SPARSEBENCH_STATIC_ROOT",
)


def _in_ci() -> bool:
    """CI=true (as .ci/run sets): optional services are required."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _port_open(host: str, port: int) -> bool:
    """Whether a TCP connection to host:port opens within half a second."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _database_url(var_dir: Path) -> str:
    """The test database: PostgreSQL or SQLite, as SPARSEBENCH_TEST_DB and CI say."""
    wanted = os.environ.get("SPARSEBENCH_TEST_DB", "auto").strip().lower() or "auto"
    if wanted not in {"auto", "postgres", "sqlite"}:
        raise ImproperlyConfigured(f"SPARSEBENCH_TEST_DB={wanted!r}: use auto, postgres or sqlite")
    if wanted == "auto":
        wanted = "postgres" if _in_ci() or _port_open(PG_HOST, PG_PORT) else "sqlite"
    if wanted == "sqlite":
        return f"sqlite:///{var_dir / 'db.sqlite3'}"
    if not _port_open(PG_HOST, PG_PORT):
        raise ImproperlyConfigured(
            f"PostgreSQL is required (CI or SPARSEBENCH_TEST_DB) but {PG_HOST}:{PG_PORT} does not answer"
        )
    # a per-process name keeps parallel local runs apart; pytest-django creates and drops test_<name>
    name = "sparsebench" if _in_ci() else f"sparsebench_p{os.getpid()}"
    return f"postgres://postgres@{PG_HOST}:{PG_PORT}/{name}"


def _session_environment() -> None:
    """The test process's environment, set once before the settings read it."""
    var_dir = Path(tempfile.mkdtemp(prefix="sparsebench-test-"))
    atexit.register(shutil.rmtree, var_dir, ignore_errors=True)
    (var_dir / "static").mkdir()  # STATIC_ROOT exists, so WhiteNoise stays quiet
    for name in _CLEARED:
        os.environ.pop(name, None)
    os.environ["SPARSEBENCH_VAR_DIR"] = str(var_dir)
    os.environ["DATABASE_URL"] = _database_url(var_dir)
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-not-for-production")
    os.environ[SESSION_MARK] = str(var_dir)


if SESSION_MARK not in os.environ:
    _session_environment()

from leaderboard.settings import *  # noqa: E402,F403
