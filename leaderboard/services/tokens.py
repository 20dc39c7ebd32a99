"""API tokens: issued (the key returned once, only its SHA-256 stored) and revoked."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction

from leaderboard.models import ApiToken

#: Tokens a user may hold at once (one per machine); issuing another revokes the oldest.
MAX_TOKENS_PER_USER = 10
KEY_BYTES = 20  # 40 hex characters, as DRF's tokens


def token_digest(key: str) -> str:
    """The stored form of a key: its SHA-256, hex."""
    return hashlib.sha256(key.encode()).hexdigest()


def token_issue(*, user) -> str:
    """A new token for `user` beside their others (the oldest revoked past MAX_TOKENS_PER_USER); its key."""
    key = secrets.token_hex(KEY_BYTES)
    with transaction.atomic():
        ApiToken.objects.create(user=user, digest=token_digest(key), prefix=key[:6])
        stale = ApiToken.objects.filter(user=user).order_by("-created", "-id")[MAX_TOKENS_PER_USER:]
        ApiToken.objects.filter(pk__in=[t.pk for t in stale]).delete()
    return key


def token_create(*, user) -> str:
    """Issue a new token for `user`, revoking all their others (the portal's and the command's rotate)."""
    with transaction.atomic():
        ApiToken.objects.filter(user=user).delete()
        return token_issue(user=user)


def token_revoke(*, user, token: ApiToken | None = None) -> None:
    """Revoke one of the user's tokens, or all of them when `token` is None."""
    tokens = ApiToken.objects.filter(user=user)
    (tokens.filter(pk=token.pk) if token is not None else tokens).delete()

