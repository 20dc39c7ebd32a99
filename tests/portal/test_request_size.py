"""The request-size ceiling: every route refuses an oversized body on its Content-Length, unread."""

from __future__ import annotations

import io

import pytest

from leaderboard.middleware import FORM_ALLOWANCE_BYTES
from leaderboard.models import Submission

pytestmark = pytest.mark.django_db
HUGE = 300 * 1024 * 1024


class UnreadableBody(io.RawIOBase):
    """A wsgi.input that records any read: a refused request must never touch its body."""

    def __init__(self) -> None:
        self.reads = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        self.reads += 1
        raise AssertionError("the body of a refused request was read")

    readline = read


def send(client, url: str, *, length: str | None, **extra):
    """POST a multipart request declaring `length` bytes, with a body that must stay unread."""
    body = UnreadableBody()
    meta = {"wsgi.input": body, "CONTENT_TYPE": "multipart/form-data; boundary=zz", **extra}
    if length is not None:
        meta["CONTENT_LENGTH"] = length
    return client.generic("POST", url, **meta), body


@pytest.fixture
def owner_client(client, users):
    client.force_login(users["owner"])
    return client


PORTAL_POSTS = ["/benchmarks/toy/submit/?phase=dev", "/accounts/login/", "/accounts/signup/"]


@pytest.mark.parametrize("url", PORTAL_POSTS, ids=["submit", "login", "signup"])
def test_portal_refuses_a_300_mb_body_with_a_plain_413_before_reading_it(owner_client, phase, url):
    response, body = send(owner_client, url, length=str(HUGE))
    assert response.status_code == 413 and response["Content-Type"].startswith("text/plain")
    assert f"{HUGE} bytes" in response.content.decode() and body.reads == 0
    assert not Submission.objects.exists()


def test_api_refuses_a_300_mb_body_with_a_json_413_before_reading_it(client, settings):
    response, body = send(client, "/api/v1/auth/token/", length=str(HUGE))
    assert response.status_code == 413 and body.reads == 0
    body_json = response.json()
    assert body_json["limit_bytes"] == settings.UPLOAD_MAX_BYTES and body_json["size_bytes"] == HUGE


def test_request_ceiling_is_the_upload_limit_plus_the_form_allowance(client, settings):
    settings.UPLOAD_MAX_BYTES = 4096
    response, _ = send(client, "/accounts/login/", length=str(4096 + FORM_ALLOWANCE_BYTES + 1))
    assert response.status_code == 413
    response = client.post("/accounts/login/", {"username": "x" * 4096, "password": "wrong-password"})
    assert response.status_code == 200  # within the ceiling: the form answers


@pytest.mark.parametrize("length", ["-5", "12abc", "9" * 60])
def test_malformed_content_length_is_400(client, length):
    response, body = send(client, "/api/v1/auth/token/", length=length)
    assert response.status_code == 400 and "Content-Length" in response.json()["detail"]
    assert body.reads == 0


def test_chunked_body_without_content_length_is_411_not_an_empty_form(owner_client, phase):
    response, body = send(owner_client, "/benchmarks/toy/submit/?phase=dev", length=None,
                          HTTP_TRANSFER_ENCODING="chunked")
    assert response.status_code == 411 and body.reads == 0
