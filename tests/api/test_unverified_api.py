"""An account whose e-mail address is not verified is refused by the submission API: 403 with a code and
where to verify, nothing stored, no quota used."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from leaderboard import services
from leaderboard.models import Submission
from leaderboard.selectors import quota_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def unverified_client(db):
    user = get_user_model().objects.create_user("nova", email="nova@example.org", password="pw-nova-12345")
    services.account_verification_start(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {services.token_create(user=user)}")
    return client, user


@pytest.mark.parametrize("payload", ["config", "file"])
def test_an_unverified_account_cannot_submit_through_the_api(
    unverified_client, phases, private_roots, payload
):
    client, user = unverified_client
    form = {"benchmark": "tiny", "phase": "dev", "method_name": "MyNet"}
    if payload == "config":
        form["config"] = '{"guess": 1}'
    else:
        form["file"] = SimpleUploadedFile("answers.json", json.dumps({"answers": [0]}).encode())
    response = client.post("/api/v1/submissions/", form, format="multipart")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "account_unverified" and body["verification_url"] == "/accounts/verify/"
    assert "nothing was stored and no quota was used" in body["detail"]
    assert not Submission.objects.exists()
    assert not [p for p in (private_roots / "submissions").rglob("*") if p.is_file()]
    assert quota_status(user=user, phase=phases["dev"]).daily_used == 0


def test_an_unverified_account_can_still_read_and_once_verified_submit(unverified_client, phases):
    client, user = unverified_client
    assert client.get("/api/v1/submissions/").status_code == 200
    services.account_mark_verified(user=user)
    form = {"benchmark": "tiny", "phase": "dev", "method_name": "MyNet", "config": '{"guess": 1}'}
    assert client.post("/api/v1/submissions/", form, format="multipart").status_code == 201
