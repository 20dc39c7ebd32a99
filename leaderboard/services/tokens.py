"""API tokens: one DRF token per user, created fresh (replacing the old one) or revoked."""

from __future__ import annotations

from django.db import transaction
from rest_framework.authtoken.models import Token


def token_create(*, user) -> str:
    """Issue a new token for `user`, revoking any previous one; returns its key."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user).key


def token_revoke(*, user) -> None:
    """Delete the user's token if any."""
    Token.objects.filter(user=user).delete()
