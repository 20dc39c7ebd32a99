"""API tokens: one DRF token per user, fetched (created when missing), rotated or revoked."""

from __future__ import annotations

from django.db import transaction
from rest_framework.authtoken.models import Token


def token_create(*, user) -> str:
    """Issue a new token for `user`, revoking any previous one; returns its key."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user).key


def token_get_or_create(*, user) -> str:
    """The user's current token, created when they have none; other clients using it stay logged in."""
    return Token.objects.get_or_create(user=user)[0].key


def token_revoke(*, user) -> None:
    """Delete the user's token if any."""
    Token.objects.filter(user=user).delete()
