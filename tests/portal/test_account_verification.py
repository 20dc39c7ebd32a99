"""Sign-up verification: the mailed link, its expiry and tampering, the resend action, the per-address
sign-up limit, and the submit page refusing an unverified account with nothing stored."""

from __future__ import annotations

import re
import time

import pytest
from django.contrib.auth import get_user_model
from django.core import mail, signing
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from leaderboard.models import Submission
from leaderboard.selectors import account_is_verified, quota_status
from leaderboard.services import verification_token

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-pass-77"


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()
    yield
    cache.clear()


def sign_up(client, username: str, email: str, address: str = "203.0.113.7"):
    data = {"username": username, "email": email, "password1": PASSWORD, "password2": PASSWORD}
    return client.post("/accounts/signup/", data, REMOTE_ADDR=address)


def mailed_link() -> str:
    """The path of the verification link in the last mail sent."""
    return re.search(r"http://testserver(/accounts/verify/\S+/)", mail.outbox[-1].body).group(1)


def test_signup_mails_a_link_and_the_account_starts_unverified(client):
    response = sign_up(client, "newbie", "newbie@example.org")
    assert response.status_code == 302 and response["Location"] == "/accounts/verify/"
    user = get_user_model().objects.get(username="newbie")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["newbie@example.org"]
    assert "/accounts/verify/" in mail.outbox[0].body
    assert not account_is_verified(user=user)
    html = client.get("/accounts/verify/").content.decode()
    assert "is not verified yet" in html and 'id="resend-verification"' in html


def test_the_mailed_link_verifies_the_account(client):
    sign_up(client, "newbie", "newbie@example.org")
    response = client.get(mailed_link())
    assert response.status_code == 302
    assert account_is_verified(user=get_user_model().objects.get(username="newbie"))
    assert "is verified: you can submit" in client.get("/accounts/verify/").content.decode()


def test_the_link_works_without_a_session(client):
    sign_up(client, "newbie", "newbie@example.org")
    client.post("/accounts/logout/")
    assert client.get(mailed_link()).status_code == 302
    assert account_is_verified(user=get_user_model().objects.get(username="newbie"))


def test_an_expired_link_is_refused(client, settings, monkeypatch):
    settings.VERIFY_LINK_MAX_AGE_S = 3600
    sign_up(client, "newbie", "newbie@example.org")
    link = mailed_link()
    later = time.time() + 3601
    monkeypatch.setattr(signing.time, "time", lambda: later)
    response = client.get(link)
    monkeypatch.undo()
    assert response.status_code == 400 and "has expired" in response.content.decode()
    assert not account_is_verified(user=get_user_model().objects.get(username="newbie"))


@pytest.mark.parametrize("change", ["signature", "payload", "cut"])
def test_a_tampered_link_is_refused(client, change):
    sign_up(client, "newbie", "newbie@example.org")
    link = mailed_link()
    token = link.removeprefix("/accounts/verify/").removesuffix("/")
    payload, stamp, signature = token.rsplit(":", 2)
    if change == "signature":
        token = f"{payload}:{stamp}:{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    elif change == "payload":
        other = signing.dumps({"user": 1, "email": "x@example.org"}, salt="another-salt").split(":")[0]
        token = f"{other}:{stamp}:{signature}"
    else:
        token = token[: len(token) // 2]
    response = client.get(f"/accounts/verify/{token}/")
    assert response.status_code == 400 and "not valid" in response.content.decode()
    assert not account_is_verified(user=get_user_model().objects.get(username="newbie"))


def test_a_link_for_an_address_since_changed_is_refused(client):
    sign_up(client, "newbie", "newbie@example.org")
    link = mailed_link()
    get_user_model().objects.filter(username="newbie").update(email="other@example.org")
    response = client.get(link)
    assert response.status_code == 400 and "no longer matches" in response.content.decode()


def test_a_token_signed_for_another_purpose_is_refused(client):
    user = get_user_model().objects.create_user("pat", email="pat@example.org", password=PASSWORD)
    token = verification_token(user=user)
    forged = signing.dumps({"user": user.pk, "email": "pat@example.org"}, salt="another-purpose")
    assert client.get(f"/accounts/verify/{forged}/").status_code == 400
    assert client.get(f"/accounts/verify/{token}/").status_code == 302


def test_resend_mails_a_fresh_link_and_is_limited(client):
    sign_up(client, "newbie", "newbie@example.org")
    statuses = [client.post("/accounts/verify/").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    assert len(mail.outbox) == 1 + 5
    assert client.get(mailed_link()).status_code == 302


def test_signup_requires_an_address_no_other_account_uses(client):
    assert sign_up(client, "newbie", "").status_code == 200
    get_user_model().objects.create_user("first", email="Taken@Example.org", password=PASSWORD)
    response = sign_up(client, "newbie", "taken@example.org")
    assert response.status_code == 200 and "already uses this e-mail address" in response.content.decode()
    assert not get_user_model().objects.filter(username="newbie").exists() and not mail.outbox


def test_the_signup_limit_refuses_an_address_after_n_accounts(client, settings):
    settings.SIGNUPS_PER_ADDRESS = 2
    for n in range(2):
        assert sign_up(client, f"user{n}", f"user{n}@example.org").status_code == 302
        client.post("/accounts/logout/")
    refused = sign_up(client, "user2", "user2@example.org")
    assert refused.status_code == 429 and "Too many accounts" in refused.content.decode()
    spoofed = client.post(
        "/accounts/signup/",
        {"username": "user3", "email": "u3@example.org", "password1": PASSWORD, "password2": PASSWORD},
        REMOTE_ADDR="203.0.113.7",
        HTTP_X_FORWARDED_FOR="10.1.2.3",
    )
    assert spoofed.status_code == 429
    assert not get_user_model().objects.filter(username__in=["user2", "user3"]).exists()
    assert len(mail.outbox) == 2
    assert sign_up(client, "user4", "user4@example.org", address="198.51.100.9").status_code == 302


def test_an_unverified_account_is_refused_by_the_submit_page_with_a_resend_action(
    client, phase, private_roots
):
    sign_up(client, "newbie", "newbie@example.org")
    user = get_user_model().objects.get(username="newbie")
    page = client.get("/benchmarks/toy/submit/?phase=dev").content.decode()
    assert 'id="unverified"' in page and 'id="resend-verification"' in page
    upload = SimpleUploadedFile("renders.zip", b"PK\x05\x06" + b"\0" * 18, content_type="application/zip")
    response = client.post(
        "/benchmarks/toy/submit/?phase=dev", {"method_name": "M", "is_public": "on", "upload": upload}
    )
    html = response.content.decode()
    assert response.status_code == 403 and "Verify your e-mail address before submitting" in html
    assert 'id="resend-verification"' in html
    assert not Submission.objects.exists()
    assert not [p for p in (private_roots / "submissions").rglob("*") if p.is_file()]
    assert quota_status(user=user, phase=phase).daily_used == 0
    client.get(mailed_link())
    upload.seek(0)
    done = client.post(
        "/benchmarks/toy/submit/?phase=dev", {"method_name": "M", "is_public": "on", "upload": upload}
    )
    assert done.status_code == 302 and Submission.objects.filter(owner=user).count() == 1
