"""Account reads: whether an account's e-mail address is verified."""

from __future__ import annotations

from leaderboard.models import AccountVerification


def account_is_verified(*, user) -> bool:
    """True when `user` has verified an e-mail address (or was marked verified by the platform)."""
    if user is None or not getattr(user, "pk", None):
        return False
    return AccountVerification.objects.filter(user_id=user.pk, verified_at__isnull=False).exists()
