"""End-to-end fixtures: `live_stack`, real web server and Celery worker subprocesses (e2e and browser tests).

`live_stack` runs on the embedded default (SQLite + SQLAlchemy broker); with CI=true (or
SPARSEBENCH_E2E_REDIS=1) it is also parametrised over PostgreSQL + Redis. `embedded_stack` is the
embedded one alone. Both yield sb_stack.Stack: base_url, var_dir, user_create(username, password,
staff=False) -> API token, payload(baseline=..., phase=...) -> a real submission ZIP, submit(...),
submission_wait(...), worker_kill(), worker_start(), scalar(sql).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from sb_stack import stack_start, stack_stop

IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
WITH_REDIS = IN_CI or os.environ.get("SPARSEBENCH_E2E_REDIS", "").strip().lower() in {"1", "true", "yes"}
_stacks: dict = {}


def _stack(backend: str):
    if backend not in _stacks:
        root = Path(tempfile.mkdtemp(prefix=f"sparsebench-e2e-{backend}-"))
        try:
            _stacks[backend] = stack_start(backend=backend, root=root)
            atexit.register(stack_stop, _stacks[backend])  # also when the session dies before teardown
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)
            raise
    return _stacks[backend]


@pytest.fixture(scope="session", autouse=False)
def _stacks_cleanup():
    """Stop every stack this session started, even when tests failed."""
    yield
    for stack in list(_stacks.values()):
        try:
            stack_stop(stack)
        finally:
            shutil.rmtree(stack.root, ignore_errors=True)
    _stacks.clear()


BACKENDS = ["embedded"] + (["redis-postgres"] if WITH_REDIS else [])


@pytest.fixture(scope="session", params=BACKENDS)
def live_stack(request, _stacks_cleanup):
    """A running stack per backend (session-wide; restarted processes are the tests' business)."""
    return _stack(request.param)


@pytest.fixture(scope="session")
def embedded_stack(_stacks_cleanup):
    """The embedded stack (SQLite + SQLAlchemy broker over SQLite) alone."""
    return _stack("embedded")
