"""Fixtures of the platform tests (shared with tests/workers via tests/support/sb_fixtures.py)."""

from sb_fixtures import (  # noqa: F401
    dispatched,
    make_submission,
    other_user,
    phase,
    private_roots,
    staff,
    tiny,
    upload,
    user,
)
