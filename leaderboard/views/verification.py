"""E-mail verification pages: the mailed link, and the account's verification page (state and resend)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from leaderboard.selectors import account_is_verified
from leaderboard.services import account_verify, verification_mail_send, verification_token
from leaderboard.services.errors import VerificationLinkInvalid
from leaderboard.views.counters import count_add, count_get

#: Verification mails one account may ask for per hour (a resend button is not a way to spam an inbox).
RESENDS_PER_HOUR = 5


def verification_link_send(*, request: HttpRequest, user) -> bool:
    """Mail `user` a fresh verification link on this site; False when the mail server refused it."""
    link = request.build_absolute_uri(reverse("account-verify", args=[verification_token(user=user)]))
    return verification_mail_send(user=user, link=link)


def verify(request: HttpRequest, token: str) -> HttpResponse:
    """Open a mailed link: verify its account, or say why the link is refused (expired, altered, stale)."""
    try:
        user = account_verify(token=token)
    except VerificationLinkInvalid as exc:
        verified = request.user.is_authenticated and account_is_verified(user=request.user)
        context = {"problem": f"{exc.reason[:1].upper()}{exc.reason[1:]}.", "verified": verified}
        return render(request, "registration/verification.html", context, status=400)
    messages.success(request, f"The e-mail address of {user.username} is verified: you can submit.")
    return redirect("account-verification" if request.user.is_authenticated else "login")


@login_required
def verification(request: HttpRequest) -> HttpResponse:
    """Show whether the viewer's address is verified; POST mails a new link (at most RESENDS_PER_HOUR)."""
    verified = account_is_verified(user=request.user)
    status = 200
    if request.method == "POST" and not verified:
        key = f"portal-verification-mails:{request.user.pk}"
        if not request.user.email:
            messages.error(request, "Your account has no e-mail address: ask the hosts to verify it.")
            status = 400
        elif count_get(key) >= RESENDS_PER_HOUR:
            text = f"At most {RESENDS_PER_HOUR} verification mails an hour; try again later."
            messages.error(request, text)
            status = 429
        else:
            count_add(key, window_s=3600)
            if verification_link_send(request=request, user=request.user):
                messages.success(request, f"A new verification link was mailed to {request.user.email}.")
            else:
                messages.error(request, "The mail server refused the message; please try again later.")
                status = 503
    context = {"verified": verified, "hours": settings.VERIFY_LINK_MAX_AGE_S // 3600}
    return render(request, "registration/verification.html", context, status=status)
