"""Account pages: sign-up (then logged in) and the API token page (create, revoke, shown once)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from leaderboard.forms import SignUpForm
from leaderboard.selectors import token_held
from leaderboard.services import token_create, token_revoke


def signup(request: HttpRequest) -> HttpResponse:
    """Create an account and log it in."""
    if request.user.is_authenticated:
        return redirect("home")
    if request.method == "POST":
        form = SignUpForm(request.POST)
        if form.is_valid():
            user = form.save()
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome, {user.username}.")
            return redirect("home")
    else:
        form = SignUpForm()
    return render(request, "registration/signup.html", {"form": form})


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
