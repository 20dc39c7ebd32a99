"""A full or read-only submission storage: a JSON refusal naming it, nothing stored, no quota used."""

from __future__ import annotations

import builtins
import errno
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from leaderboard.models import Submission

pytestmark = pytest.mark.django_db
URL = "/api/v1/submissions/"


def _failing_writes(monkeypatch, code: int) -> None:
    """Every new file opened for writing fails with ``code`` (the submission storage's fault)."""
    real_open = builtins.open

    def open_or_fail(file, mode="r", *args, **kwargs):
        if "x" in mode:
            raise OSError(code, "simulated")
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", open_or_fail)


@pytest.mark.parametrize(
    ("code", "status", "reason"), [(errno.ENOSPC, 507, "full"), (errno.EROFS, 503, "read-only")]
)
def test_a_storage_fault_is_a_json_refusal_and_nothing_changes(
    clients, phases, private_roots, monkeypatch, code, status, reason
):
    _failing_writes(monkeypatch, code)
    upload = SimpleUploadedFile("answers.json", json.dumps({"answers": [1, 2]}).encode())
    form = {"benchmark": "tiny", "phase": "dev", "method_name": "M", "file": upload}
    response = clients["owner"].post(URL, form, format="multipart")
    assert response.status_code == status and response["Content-Type"].startswith("application/json")
    body = response.json()
    assert (
        body["storage"] == "submission"
        and reason in body["detail"]
        and "nothing was stored" in body["detail"]
    )
    assert Submission.objects.count() == 0
    stored = private_roots / "submissions"
    assert not stored.exists() or not [p for p in stored.rglob("*") if p.is_file()]


@pytest.mark.parametrize(
    ("code", "status", "reason"), [(errno.ENOSPC, 507, "full"), (errno.EROFS, 503, "read-only")]
)
def test_a_bundle_storage_fault_is_a_json_refusal_and_leaves_no_partial_zip(
    clients, phases, private_roots, monkeypatch, code, status, reason
):
    import zipfile

    def write_fails(self, *args, **kwargs):
        raise OSError(code, "simulated")

    monkeypatch.setattr(zipfile.ZipFile, "write", write_fails)
    response = clients["anonymous"].get("/api/v1/benchmarks/tiny/data/", {"phase": "dev"})
    assert response.status_code == status and response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["storage"] == "bundle" and reason in body["detail"] and "nothing was stored" in body["detail"]
    bundles = [p for p in (private_roots / "data").rglob("*") if p.is_file() and "bundles" in p.parts]
    assert bundles == []
    monkeypatch.undo()  # the fault cleared: the next request builds the bundle
    assert clients["anonymous"].get("/api/v1/benchmarks/tiny/data/", {"phase": "dev"}).status_code == 200
