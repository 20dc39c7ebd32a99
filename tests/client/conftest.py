"""CLI test fixtures: the API fixtures (tiny benchmark, users, entries) plus the CLI's environment."""

import importlib.util
import sys
from pathlib import Path

import pytest

_NAME = "sparsebench_tests_platform_fixtures"
if _NAME not in sys.modules:
    _path = Path(__file__).resolve().parents[1] / "api" / "platform_fixtures.py"
    _spec = importlib.util.spec_from_file_location(_NAME, _path)
    sys.modules[_NAME] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules[_NAME])

from sparsebench_tests_platform_fixtures import (  # noqa: E402, F401
    benchmark,
    clients,
    entries,
    fast_password_hashing,
    phases,
    private_roots,
    scored,
    throttle_cache_clear,
    tiny_registered,
    users,
)


@pytest.fixture
def cli_env(monkeypatch, tmp_path):
    """No token, no server URL and a private config file path for each test."""
    monkeypatch.delenv("SPARSEBENCH_TOKEN", raising=False)
    monkeypatch.delenv("SPARSEBENCH_URL", raising=False)
    monkeypatch.setenv("SPARSEBENCH_CONFIG", str(tmp_path / "cli" / "config.json"))
    return tmp_path / "cli" / "config.json"
