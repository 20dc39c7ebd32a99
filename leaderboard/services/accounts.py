"""Account rules: the user names people may not take, because the platform shows them with a meaning."""

from __future__ import annotations

from leaderboard.models import ANONYMOUS, BASELINE
from leaderboard.services.baselines import SYSTEM_USERNAME

#: Names the leaderboards and pages use for system entries, or that would pass for the host; compared
#: case-insensitively.
RESERVED_USERNAMES = frozenset(
    name.casefold()
    for name in (
        ANONYMOUS,
        BASELINE,
        f"{BASELINE}s",
        SYSTEM_USERNAME,
        "admin",
        "administrator",
        "root",
        "staff",
        "system",
        "sparsebench",
        "support",
        "moderator",
    )
)


def username_problem(*, username: str) -> str:
    """Why a new account may not use `username` ("" when it may): reserved names, in any letter case."""
    if username.strip().casefold() in RESERVED_USERNAMES:
        return f"{username} is reserved by the platform; choose another user name."
    return ""
