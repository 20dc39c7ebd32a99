"""Token authentication against hashed tokens: `Authorization: Token <key>`, the key's SHA-256 looked up."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from leaderboard.selectors import token_find


class HashedTokenAuthentication(TokenAuthentication):
    """DRF's token header, checked against the stored digests; ``request.auth`` is the ApiToken."""

    def authenticate_credentials(self, key: str):
        """(user, token) for a known key of an active user; AuthenticationFailed otherwise."""
        token = token_find(key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        return token.user, token
