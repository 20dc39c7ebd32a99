"""The API's answer to an upload its benchmark's checks refuse: a 400 with every problem, nothing kept."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from leaderboard.models import Submission

pytestmark = pytest.mark.django_db
URL = "/api/v1/submissions/"


def _stored(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_a_refused_upload_is_a_400_listing_its_problems_in_the_submitters_file_name(
    clients, phases, private_roots
):
    quota = clients["owner"].get("/api/v1/benchmarks/tiny/").json()["phases"][0]["quota"]
    upload = SimpleUploadedFile("my answers.json", b'{"answers": 3}')
    form = {"benchmark": "tiny", "phase": "dev", "method_name": "Mine", "file": upload}
    response = clients["owner"].post(URL, form, format="multipart")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"] == (
        "1 problem in my answers.json found at upload; nothing was stored or queued and no quota was used"
    )
    assert body["file"] == ["my answers.json: expected an object with an answers list"]
    assert not Submission.objects.exists() and _stored(private_roots / "submissions") == []
    assert clients["owner"].get("/api/v1/benchmarks/tiny/").json()["phases"][0]["quota"] == quota


def test_an_upload_the_checks_pass_is_queued_and_the_worker_still_validates_its_values(clients, phases):
    upload = SimpleUploadedFile("answers.json", b'{"answers": ["three"]}')
    form = {"benchmark": "tiny", "phase": "dev", "method_name": "Mine", "file": upload}
    response = clients["owner"].post(URL, form, format="multipart")
    assert response.status_code == 201 and response.json()["status"] == "queued"
