"""Account pages: sign-up, log-in, log-out by POST and the API token page."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model

from leaderboard.models import ApiToken
from leaderboard.selectors import token_find

pytestmark = pytest.mark.django_db


def test_signup_creates_the_account_and_logs_in(client):
    response = client.post(
        "/accounts/signup/",
        {"username": "newbie", "email": "newbie@example.org", "password1": "a-long-pass-77",
         "password2": "a-long-pass-77"},
    )  # fmt: skip
    assert response.status_code == 302
    assert get_user_model().objects.filter(username="newbie").exists()
    assert "newbie" in client.get("/").content.decode()


def test_signup_shows_password_mismatch_on_its_field(client):
    html = client.post(
        "/accounts/signup/",
        {"username": "newbie", "password1": "a-long-pass-77", "password2": "other-pass-88"},
    ).content.decode()
    block = html.split('id="field-password2"', 1)[1]
    assert "didn’t match" in block or "didn't match" in block
    assert not get_user_model().objects.filter(username="newbie").exists()


def test_login_and_logout_by_post(client, users):
    assert "Log in" in client.get("/accounts/login/").content.decode()
    response = client.post("/accounts/login/", {"username": "olive", "password": "pw-olive-123"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert "olive" in html and 'action="/accounts/logout/"' in html
    assert client.get("/accounts/logout/").status_code == 405
    client.post("/accounts/logout/")
    assert "Log in" in client.get("/").content.decode()


def test_token_page_creates_a_token_shown_once_and_revokes_it(client, users):
    client.force_login(users["owner"])
    assert "You have no API token." in client.get("/accounts/token/").content.decode()
    html = client.post("/accounts/token/", {"action": "create"}).content.decode()
    key = re.search(r'id="new-token".*?<code>([0-9a-f]{40})</code>', html, flags=re.S).group(1)
    assert token_find(key).user == users["owner"]
    html = client.get("/accounts/token/").content.decode()
    assert key not in html and "You have an active token." in html
    client.post("/accounts/token/", {"action": "revoke"})
    assert not ApiToken.objects.filter(user=users["owner"]).exists()
    assert "You have no API token." in client.get("/accounts/token/").content.decode()


def test_token_page_replace_button_rotates_the_token(client, users):
    client.force_login(users["owner"])
    client.post("/accounts/token/", {"action": "create"})
    first = ApiToken.objects.get(user=users["owner"]).digest
    client.post("/accounts/token/", {"action": "create"})
    assert ApiToken.objects.get(user=users["owner"]).digest != first


def test_token_page_requires_login(client):
    assert client.get("/accounts/token/").status_code == 302


@pytest.mark.parametrize("name", ["baseline", "Baselines", "ANONYMOUS", "Admin"])
def test_signup_refuses_reserved_system_names_in_any_case(client, name):
    response = client.post(
        "/accounts/signup/",
        {"username": name, "email": "", "password1": "a-long-pass-77", "password2": "a-long-pass-77"},
    )
    assert response.status_code == 200
    block = response.content.decode().split('id="field-username"', 1)[1].split('id="field-', 1)[0]
    assert "is reserved by the platform" in block
    assert not get_user_model().objects.filter(username__iexact=name).exists()


def test_signup_accepts_names_that_only_contain_a_reserved_word(client):
    response = client.post(
        "/accounts/signup/",
        {"username": "baseline-fan", "email": "fan@example.org", "password1": "a-long-pass-77",
         "password2": "a-long-pass-77"},  # fmt: skip
    )
    assert response.status_code == 302
