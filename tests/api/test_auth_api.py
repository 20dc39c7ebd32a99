"""Token endpoint: credentials in, the user's single token out; revocation; errors per field."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db
URL = "/api/v1/auth/token/"


def test_token_is_issued_for_good_credentials_and_authenticates(users, phases):
    client = APIClient()
    token = client.post(URL, {"username": "olive", "password": "pw-olive-123"}).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/submissions/").status_code == 200


def test_each_token_request_issues_a_new_token_and_other_clients_stay_logged_in(users):
    first = APIClient().post(URL, {"username": "olive", "password": "pw-olive-123"}).json()["token"]
    second = APIClient().post(URL, {"username": "olive", "password": "pw-olive-123"}).json()["token"]
    assert first != second  # only hashes are stored: an existing key cannot be handed out again
    other_machine = APIClient()
    other_machine.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert other_machine.get("/api/v1/submissions/").status_code == 200


def test_token_request_after_revoke_issues_a_new_token(users):
    client = APIClient()
    first = client.post(URL, {"username": "olive", "password": "pw-olive-123"}).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert client.delete(URL).status_code == 204
    second = APIClient().post(URL, {"username": "olive", "password": "pw-olive-123"}).json()["token"]
    assert second != first
    stale = APIClient()
    stale.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert stale.get("/api/v1/submissions/").status_code == 401


def test_token_request_with_wrong_password_is_400(users):
    response = APIClient().post(URL, {"username": "olive", "password": "wrong"})
    assert response.status_code == 400 and "non_field_errors" in response.json()


def test_token_request_missing_fields_lists_each_field(users):
    response = APIClient().post(URL, {})
    assert response.status_code == 400 and set(response.json()) == {"username", "password"}


def test_token_revoke_invalidates_the_token(clients):
    assert clients["owner"].delete(URL).status_code == 204
    assert clients["owner"].get("/api/v1/submissions/").status_code == 401


def test_token_revoke_needs_authentication(clients):
    assert clients["anonymous"].delete(URL).status_code == 401


def test_token_requests_are_throttled_per_address(users, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
                                                          "login": "3/min"}}
    client = APIClient()
    codes = [client.post(URL, {"username": "olive", "password": "wrong"}).status_code for _ in range(4)]
    assert codes == [400, 400, 400, 429]


def test_invalid_token_is_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get("/api/v1/benchmarks/").status_code == 401


def test_session_authentication_needs_the_csrf_token_for_writes(users, phases):
    client = APIClient(enforce_csrf_checks=True)
    assert client.login(username="olive", password="pw-olive-123")
    assert client.get("/api/v1/submissions/").status_code == 200
    form = {"benchmark": "tiny", "phase": "dev", "method_name": "m", "config": '{"guess": 1}'}
    refused = client.post("/api/v1/submissions/", form)
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    secret = "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6"  # a well-formed 32-character CSRF secret
    client.cookies["csrftoken"] = secret
    accepted = client.post("/api/v1/submissions/", form, HTTP_X_CSRFTOKEN=secret)
    assert accepted.status_code == 201


def test_a_spoofed_forwarded_for_header_does_not_lift_the_anonymous_limit(users, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
                                                          "login": "3/min"}}  # fmt: skip
    client = APIClient()
    wrong = {"username": "olive", "password": "wrong"}
    codes = [client.post(URL, wrong, HTTP_X_FORWARDED_FOR=f"10.0.0.{i}").status_code for i in range(4)]
    assert codes == [400, 400, 400, 429]


def test_behind_one_proxy_the_address_it_saw_is_the_client(users, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1,
                               "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
                                                          "login": "2/min"}}  # fmt: skip
    client = APIClient()
    post = lambda xff: client.post(URL, {"username": "olive", "password": "x"}, HTTP_X_FORWARDED_FOR=xff)  # noqa: E731
    assert [post("1.1.1.1").status_code for _ in range(3)] == [400, 400, 429]
    assert post("2.2.2.2").status_code == 400  # another client behind the same proxy keeps its own count
