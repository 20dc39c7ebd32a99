"""A code submission's page shows its code, escaped, to its owner and staff only."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from sb_code_phase import code_spec
from sb_sandbox import sandbox_assumed
from sb_toy import TINYBENCH

from evaluator import registry
from leaderboard.models import Phase
from leaderboard.services import benchmark_sync_all, submission_create

CODE = b'"""A method."""\n\n\ndef select(q, k, **info):\n    return {"note": "<script>alert(1)</script>"}\n'


@pytest.fixture(autouse=True)
def _code_runnable(monkeypatch):
    """Uploads judged as where bubblewrap runs (its absence is tests/api/test_code_refused_api.py's)."""
    sandbox_assumed(monkeypatch)


@pytest.fixture
def code_phase(tiny, monkeypatch):
    """The tiny benchmark redeclared to take code files too, synced."""
    monkeypatch.setattr(TINYBENCH, "spec", code_spec(TINYBENCH.spec, accepting=("dev",)))
    registry.benchmark_get.cache_clear()
    benchmark_sync_all()
    return Phase.objects.select_related("benchmark").get(benchmark=tiny, slug="dev")


def _code_submission(owner, phase, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return submission_create(
            owner=owner, phase=phase, method_name="mine", upload=SimpleUploadedFile("method.py", CODE)
        )


def test_the_owner_and_staff_see_the_code_escaped_and_others_do_not(
    code_phase, user, other_user, staff, client, dispatched, django_capture_on_commit_callbacks
):
    submission = _code_submission(user, code_phase, django_capture_on_commit_callbacks)
    for viewer in (user, staff):
        client.force_login(viewer)
        page = client.get(f"/submissions/{submission.pk}/").content.decode()
        assert 'id="submitted-code"' in page and "<code>submission.py</code>" in page
        assert "def select(q, k, **info):" in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "<script>alert(1)" not in page
    client.force_login(other_user)
    assert client.get(f"/submissions/{submission.pk}/").status_code == 404


def test_an_answers_upload_shows_no_code_section(code_phase, make_submission, user, client):
    submission = make_submission(target_phase=code_phase)
    client.force_login(user)
    assert 'id="submitted-code"' not in client.get(f"/submissions/{submission.pk}/").content.decode()
