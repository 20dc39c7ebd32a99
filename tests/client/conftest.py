"""CLI test fixtures: the API fixtures (tiny benchmark, users, entries) plus the CLI's environment."""

import pytest
from sb_api_fixtures import (  # noqa: F401
    benchmark,
    clients,
    entries,
    fast_password_hashing,
    phases,
    private_roots,
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
