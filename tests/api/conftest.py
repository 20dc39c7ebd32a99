"""API test fixtures: re-exported from tests/support/sb_api_fixtures.py (shared with the CLI tests)."""

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
