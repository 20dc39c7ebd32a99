"""Where bubblewrap is missing or not permitted, code uploads are refused at upload saying why (service and
API); every other submission is taken as before, and with bubblewrap the same upload is taken."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from sb_code_phase import CODE, code_spec
from sb_sandbox import sandbox_required, sandbox_unavailable

from leaderboard import services
from leaderboard.models import Submission
from leaderboard.selectors import quota_status
from leaderboard.services.errors import SubmissionInputError

pytestmark = pytest.mark.django_db
URL = "/api/v1/submissions/"
REFUSED = "this deployment refuses code submissions because it cannot run their sandbox"


@pytest.fixture
def code_dev(phases, monkeypatch, tiny_registered):
    """The tiny benchmark redeclared with a code format that its open dev phase takes."""
    spec = code_spec(tiny_registered.spec, accepting=("dev",))
    monkeypatch.setattr(type(tiny_registered), "spec", spec)
    services.benchmark_sync(spec=spec)
    phases["dev"].refresh_from_db()
    assert phases["dev"].accepts_code
    return phases["dev"]


def _stored(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _answers() -> SimpleUploadedFile:
    return SimpleUploadedFile("answers.json", json.dumps({"answers": [3, 1, 4, 1]}).encode())


@pytest.mark.parametrize("how", ["missing", "refused"])
def test_a_code_upload_is_refused_up_front_saying_why_and_the_rest_goes_on(
    code_dev, users, private_roots, tmp_path, how
):
    owner = users["owner"]
    before = quota_status(user=owner, phase=code_dev)
    with sandbox_unavailable(how, tmp_path) as reason:
        with pytest.raises(SubmissionInputError) as caught:
            services.submission_create(owner=owner, phase=code_dev, method_name="mine",
                                       upload=SimpleUploadedFile("method.py", CODE))  # fmt: skip
        (message,) = caught.value.field_errors["upload"]
        assert message.startswith(f"method.py: {REFUSED}") and reason in message
        assert not Submission.objects.exists() and _stored(private_roots / "submissions") == []
        assert quota_status(user=owner, phase=code_dev) == before
        taken = services.submission_create(
            owner=owner, phase=code_dev, method_name="answers", upload=_answers()
        )
        assert taken.status == Submission.Status.QUEUED  # the rest of the service runs as before
    sandbox_required()  # negative control: with bubblewrap the same upload is taken
    again = services.submission_create(owner=owner, phase=code_dev, method_name="mine",
                                       upload=SimpleUploadedFile("method.py", CODE))  # fmt: skip
    assert again.status == Submission.Status.QUEUED and again.payload_kind == "file"


def test_the_api_answers_a_400_naming_the_reason(code_dev, clients, tmp_path):
    form = {"benchmark": "tiny", "phase": "dev", "method_name": "Mine"}
    with sandbox_unavailable("missing", tmp_path) as reason:
        response = clients["owner"].post(
            URL, {**form, "file": SimpleUploadedFile("method.py", CODE)}, format="multipart"
        )
        assert response.status_code == 400, response.content
        (message,) = response.json()["file"]
        assert REFUSED in message and reason in message
        taken = clients["owner"].post(URL, {**form, "file": _answers()}, format="multipart")
        assert taken.status_code == 201, taken.content
    assert Submission.objects.count() == 1
