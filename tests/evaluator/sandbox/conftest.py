"""Sandbox test fixtures: skip without bubblewrap (outside CI)."""

from __future__ import annotations

import pytest
from sb_ci import skip_now_unless_ci

from evaluator.sandbox import sandbox_available


@pytest.fixture(autouse=True, scope="session")
def _needs_bubblewrap():
    """Skip with the reason when bubblewrap cannot run here (under CI: run, and fail)."""
    ok, why = sandbox_available()
    skip_now_unless_ci(None if ok else why)


