"""E-mail verification of accounts: the signed, expiring link, its mail, and marking an account verified."""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import send_mail
from django.utils import timezone

from leaderboard.models import AccountVerification
from leaderboard.services.errors import VerificationLinkInvalid

logger = logging.getLogger(__name__)
SALT = "sparsebench.account-verification"


def account_mark_verified(*, user) -> None:
    """Record `user` as verified (now, unless it already was); used by the link and by operators."""
    now = timezone.now()
    record, _ = AccountVerification.objects.get_or_create(user=user, defaults={"verified_at": now})
    if record.verified_at is None:
        AccountVerification.objects.filter(pk=record.pk, verified_at__isnull=True).update(verified_at=now)


def account_verification_start(*, user) -> None:
    """Record a new account as not verified yet (it may sign in and read, not submit)."""
    AccountVerification.objects.get_or_create(user=user, defaults={"verified_at": None})


def verification_token(*, user) -> str:
    """A signed, timestamped token naming the account and its address (a changed address voids it)."""
    return signing.dumps({"user": user.pk, "email": (user.email or "").casefold()}, salt=SALT)


def account_verify(*, token: str):
    """Verify the account a link's token names; VerificationLinkInvalid when expired, altered or stale."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.VERIFY_LINK_MAX_AGE_S)
    except signing.SignatureExpired:
        raise VerificationLinkInvalid("this link has expired; sign in and ask for a new one") from None
    except signing.BadSignature:
        raise VerificationLinkInvalid("this verification link is not valid (altered or cut short)") from None
    user = get_user_model().objects.filter(pk=data.get("user")).first() if isinstance(data, dict) else None
    if user is None or not user.email or user.email.casefold() != data.get("email"):
        raise VerificationLinkInvalid("this verification link no longer matches an account's address")
    account_mark_verified(user=user)
    return user


def verification_mail_send(*, user, link: str) -> bool:
    """Mail `link` to the account's address; False (and a warning in the log) when the mail server refuses."""
    hours = settings.VERIFY_LINK_MAX_AGE_S // 3600
    body = (
        f"Hello {user.username},\n\n"
        f"Open this link within {hours} hours to verify the e-mail address of your Sparsebench account:\n\n"
        f"{link}\n\n"
        "Until then you can sign in and read everything, but not submit. If you did not create this account,"
        " ignore this mail.\n"
    )
    try:
        send_mail("Verify your Sparsebench account", body, None, [user.email])
    except (OSError, smtplib.SMTPException) as exc:
        logger.warning("verification mail to user %s not sent: %s", user.pk, exc)
        return False
    return True
