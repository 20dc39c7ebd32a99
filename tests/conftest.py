"""Test session environment, set before Django settings load: private temp var dir, test database, broker.

Database: SPARSEBENCH_TEST_DB=postgres|sqlite|auto (default auto: PostgreSQL at 127.0.0.1:5432 when it
answers, else SQLite). With CI=true PostgreSQL is required and its absence fails the session loudly.
PostgreSQL-only tests use the `postgres_only` fixture: skipped on SQLite (with the reason), failing under CI.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import sys
import tempfile
from pathlib import Path

import pytest

PG_HOST, PG_PORT = "127.0.0.1", 5432
SUPPORT_DIR = Path(__file__).resolve().parent / "support"
if str(SUPPORT_DIR) not in sys.path:
    sys.path.insert(0, str(SUPPORT_DIR))

from sb_ci import IN_CI  # noqa: E402


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _choose_database() -> str:
    wanted = os.environ.get("SPARSEBENCH_TEST_DB", "auto").strip().lower() or "auto"
    if wanted not in {"auto", "postgres", "sqlite"}:
        raise pytest.UsageError(f"SPARSEBENCH_TEST_DB={wanted!r}: use auto, postgres or sqlite")
    if wanted == "auto" and IN_CI:
        wanted = "postgres"
    if wanted == "auto":
        wanted = "postgres" if _port_open(PG_HOST, PG_PORT) else "sqlite"
    if wanted == "postgres":
        if not _port_open(PG_HOST, PG_PORT):
            raise pytest.UsageError(
                f"PostgreSQL is required (CI or SPARSEBENCH_TEST_DB) but {PG_HOST}:{PG_PORT} does not answer"
            )
        # A per-process name keeps parallel local runs apart; pytest-django creates and drops test_<name>.
        name = "sparsebench" if IN_CI else f"sparsebench_p{os.getpid()}"
        return f"postgres://postgres@{PG_HOST}:{PG_PORT}/{name}"
    return f"sqlite:///{VAR_DIR / 'db.sqlite3'}"


VAR_DIR = Path(tempfile.mkdtemp(prefix="sparsebench-test-"))
atexit.register(shutil.rmtree, VAR_DIR, ignore_errors=True)
(VAR_DIR / "static").mkdir()  # STATIC_ROOT exists, so WhiteNoise stays quiet
for _name in (
    "SPARSEBENCH_DATA_ROOT",
    "SPARSEBENCH_SUBMISSION_ROOT",
    "SPARSEBENCH_MEDIA_ROOT",
    "SPARSEBENCH_STATIC_ROOT",
):
    os.environ.pop(_name, None)
os.environ["SPARSEBENCH_VAR_DIR"] = str(VAR_DIR)
os.environ["DATABASE_URL"] = _choose_database()
os.environ["CELERY_BROKER_URL"] = "memory://"
os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-not-for-production")


def _reload_settings() -> None:
    """pytest-django reads the settings before conftests load: read them again from the environment above."""
    if "leaderboard.settings" not in sys.modules:
        return
    import importlib

    from django.conf import settings
    from django.db import connections
    from django.utils.functional import empty

    importlib.reload(sys.modules["leaderboard.settings"])
    settings._wrapped = empty
    settings._setup()
    from asgiref.local import Local

    for conn in connections.all(initialized_only=True):
        conn.close()
    connections._connections = Local(connections.thread_critical)
    connections.__dict__.pop("settings", None)
    connections._settings = None


_reload_settings()


@pytest.fixture
def postgres_only():
    """Require the PostgreSQL backend: skip on SQLite with the reason (fail instead under CI=true)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        message = "needs PostgreSQL at 127.0.0.1:5432 (row locks and concurrent transactions)"
        if IN_CI:
            pytest.fail(message + "; CI=true forbids skipping")
        pytest.skip(message)
    return connection
