"""Account pages: sign-up (then logged in, a verification link mailed; a limit per client address) and the
API token page (create, revoke, shown once)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from leaderboard.forms import SignUpForm
from leaderboard.selectors import token_held
from leaderboard.services import account_verification_start, token_create, token_revoke
from leaderboard.views.counters import client_address, count_add, count_get
from leaderboard.views.verification import verification_link_send

SIGNUP_WINDOW_S = 24 * 3600


def signup(request: HttpRequest) -> HttpResponse:
    """Create an account (not verified yet), mail its verification link and log it in; an address that
    created SIGNUPS_PER_ADDRESS accounts in 24 hours is refused (429) until the window ends."""
    if request.user.is_authenticated:
        return redirect("home")
    if request.method != "POST":
        return render(request, "registration/signup.html", {"form": SignUpForm()})
    key = f"portal-signups:{client_address(request)}"
    if count_get(key) >= settings.SIGNUPS_PER_ADDRESS:
        refusal = "Too many accounts were created from your address today: try again tomorrow."
        context = {"form": SignUpForm(), "refusal": refusal}
        return render(request, "registration/signup.html", context, status=429)
    form = SignUpForm(request.POST)
    if not form.is_valid():
        return render(request, "registration/signup.html", {"form": form})
    with transaction.atomic():
        user = form.save()
        account_verification_start(user=user)
    count_add(key, window_s=SIGNUP_WINDOW_S)
    sent = verification_link_send(request=request, user=user)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    if sent:
        text = f"We mailed a link to {user.email}: open it to verify your address, then you can submit."
        messages.success(request, f"Welcome, {user.username}. {text}")
    else:
        text = "The verification mail could not be sent; ask for a new link below."
        messages.warning(request, f"Welcome, {user.username}. {text}")
    return redirect("account-verification")


@login_required
def api_token(request: HttpRequest) -> HttpResponse:
    """Show whether the viewer has an API token; POST create (shown once) or revoke."""
    new_token = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            new_token = token_create(user=request.user)
        elif action == "revoke":
            token_revoke(user=request.user)
            messages.success(request, "Your API tokens were revoked; requests using them are now refused.")
            return redirect("api-token")
        else:
            messages.error(request, "Unknown action.")
            return redirect("api-token")
    has_token = new_token is not None or token_held(user=request.user) > 0
    return render(request, "token.html", {"new_token": new_token, "has_token": has_token})
