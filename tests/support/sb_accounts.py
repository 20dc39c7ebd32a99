"""Test accounts: users made verified, as every account that may submit must be."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from leaderboard.services import account_mark_verified


def verified_user(username: str, *, password: str, **extra):
    """A new user whose e-mail address counts as verified (it may submit)."""
    user = get_user_model().objects.create_user(username, password=password, **extra)
    account_mark_verified(user=user)
    return user
