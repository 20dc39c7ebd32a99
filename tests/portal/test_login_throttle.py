"""The portal's sign-in refuses an address after too many failures, without checking the password."""

from __future__ import annotations

import pytest
from django.core.cache import cache

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()
    yield
    cache.clear()


def _sign_in(client, password: str, address: str = "203.0.113.7"):
    return client.post("/accounts/login/", {"username": "olive", "password": password}, REMOTE_ADDR=address)


def test_after_the_limit_of_failures_even_the_right_password_is_refused_with_429(
    client, settings, django_user_model
):
    settings.LOGIN_FAILURES_LIMIT = 3
    django_user_model.objects.create_user("olive", password="right-password-1")
    assert [_sign_in(client, "wrong").status_code for _ in range(3)] == [200, 200, 200]
    refused = _sign_in(client, "right-password-1")
    assert refused.status_code == 429 and "Too many failed sign-ins" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    assert _sign_in(client, "right-password-1", address="198.51.100.2").status_code == 302  # another address


def test_a_forwarded_for_header_does_not_reset_the_count(client, settings, django_user_model):
    settings.LOGIN_FAILURES_LIMIT = 2
    django_user_model.objects.create_user("olive", password="right-password-1")
    for i in range(2):
        client.post(
            "/accounts/login/", {"username": "olive", "password": "x"}, HTTP_X_FORWARDED_FOR=f"10.0.0.{i}"
        )
    response = client.post(
        "/accounts/login/", {"username": "olive", "password": "x"}, HTTP_X_FORWARDED_FOR="10.9.9.9"
    )
    assert response.status_code == 429
