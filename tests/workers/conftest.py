"""Fixtures of the worker tests (shared with tests/leaderboard via tests/support/sb_fixtures.py)."""

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
