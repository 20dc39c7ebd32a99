"""Sandbox test fixtures: skip without bubblewrap (outside CI), a host tree the sandbox must not touch."""

from __future__ import annotations

import pytest
from sb_ci import skip_now_unless_ci

from evaluator.sandbox import sandbox_available


@pytest.fixture(autouse=True)
def _needs_bubblewrap():
    """Skip with the reason when bubblewrap cannot run here (under CI: run, and fail)."""
    ok, why = sandbox_available()
    skip_now_unless_ci(None if ok else why)


@pytest.fixture
def host(tmp_path, monkeypatch):
    """A private data root with a secret, another submission, and a secret in the environment."""
    root = tmp_path / "private"
    (root / "hidden").mkdir(parents=True)
    (root / "hidden" / "answers.txt").write_text("the hidden ground truth")
    other = tmp_path / "others" / "alice"
    other.mkdir(parents=True)
    (other / "submission.py").write_text("SECRET_METHOD = 1\n")
    monkeypatch.setenv("SPARSEBENCH_SECRET_KEY", "do-not-leak-this")
    return tmp_path
