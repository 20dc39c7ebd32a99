"""Fixtures for every test. The environment (temp var dir, test database, broker) is set by the settings
module the suite runs with, leaderboard.settings_test (pyproject's DJANGO_SETTINGS_MODULE)."""

from __future__ import annotations

import pytest
from sb_ci import IN_CI


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
