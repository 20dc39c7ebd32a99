"""Platform test fixtures: the tiny benchmark synced with data built, users, captured dispatches."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from sb_accounts import verified_user
from sb_toy import TINYBENCH, TINYBENCH_ENTRY

SLUG = TINYBENCH.spec.slug
ITEMS = len(TINYBENCH.answers)


@pytest.fixture(autouse=True)
def private_roots(settings, tmp_path):
    """Fresh DATA_ROOT and SUBMISSION_ROOT for every test."""
    settings.DATA_ROOT = tmp_path / "data"
    settings.SUBMISSION_ROOT = tmp_path / "submissions"
    return tmp_path


@pytest.fixture
def tiny(db, settings):
    """The tiny benchmark registered, synced and built (data under the session's temp DATA_ROOT)."""
    from evaluator import registry
    from leaderboard.services import benchmark_data_build, benchmark_sync_all

    with registry.registry_override(TINYBENCH_ENTRY, exclusive=True):
        benchmark_sync_all()
        yield benchmark_data_build(slug=SLUG)


@pytest.fixture
def phase(tiny):
    """The tiny benchmark's dev phase (daily limit 5, total 20, 4 KiB uploads)."""
    return tiny.phases.select_related("benchmark").get(slug="dev")


@pytest.fixture
def user(db):
    """A participant (verified)."""
    return verified_user("alice", password="pw-alice-123")


@pytest.fixture
def other_user(db):
    """Another participant (verified)."""
    return verified_user("bob", password="pw-bob-12345")


@pytest.fixture
def staff(db):
    """A host (verified)."""
    return verified_user("host", password="pw-host-1234", is_staff=True)


@pytest.fixture
def dispatched(monkeypatch):
    """Task messages the queueing module would publish (captured instead of sent)."""
    from leaderboard import queueing

    sent: list = []
    monkeypatch.setattr(queueing, "dispatch_send", sent.append)
    return sent


def answers_file(answers=None, *, seconds_per_item: float = 0.0, name: str = "answers.json"):
    """An uploaded JSON answers file for the tiny benchmark."""
    body = {"answers": list(answers) if answers is not None else [0] * ITEMS}
    if seconds_per_item:
        body["seconds_per_item"] = seconds_per_item
    return SimpleUploadedFile(name, json.dumps(body).encode(), content_type="application/json")


@pytest.fixture
def upload():
    """Factory of answers uploads."""
    return answers_file


@pytest.fixture
def make_submission(phase, user, dispatched, django_capture_on_commit_callbacks):
    """Create a submission through the service (enqueue callbacks run and are captured)."""
    from leaderboard.services import submission_create

    def make(owner=None, *, answers=None, method_name="method", target_phase=None, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            return submission_create(
                owner=owner or user,
                phase=target_phase or phase,
                method_name=method_name,
                upload=answers_file(answers),
                **fields,
            )

    return make
