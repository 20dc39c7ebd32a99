"""API tokens read back: the token of a key (for authentication), how many a user holds."""

from __future__ import annotations

from leaderboard.models import ApiToken
from leaderboard.services.tokens import token_digest


def token_find(key: str) -> ApiToken | None:
    """The token whose key this is (with its user), or None."""
    return ApiToken.objects.select_related("user").filter(digest=token_digest(key)).first()


def token_held(*, user) -> int:
    """How many tokens the user holds."""
    return ApiToken.objects.filter(user=user).count()
