"""The per-phase setting accepts_code: declared by the plugin, synced, edited by the host, enforced."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from sb_code_phase import CODE, code_spec
from sb_sandbox import sandbox_required
from sb_toy import TINYBENCH

from evaluator import registry
from evaluator.benchmarks.vdit.spec import vdit_spec
from evaluator.contract import PhaseSpec
from leaderboard.models import Benchmark, Phase, Submission
from leaderboard.selectors import quota_status
from leaderboard.services import benchmark_sync, benchmark_sync_all, submission_create
from leaderboard.services.errors import SubmissionInputError


def _resync(monkeypatch, spec) -> None:
    monkeypatch.setattr(TINYBENCH, "spec", spec)
    registry.benchmark_get.cache_clear()
    benchmark_sync_all()


@pytest.fixture
def code_tiny(tiny, monkeypatch):
    """The tiny benchmark with a code format: its test phase declares accepts_code, its dev phase not."""
    _resync(monkeypatch, code_spec(TINYBENCH.spec, accepting=("test",)))
    return tiny


def _phase(benchmark, slug) -> Phase:
    return Phase.objects.select_related("benchmark").get(benchmark=benchmark, slug=slug)


def test_phase_spec_accepts_code_is_off_by_default_and_on_for_vdit():
    assert PhaseSpec(slug="p", title="P", description="", public_paths=()).accepts_code is False
    spec = vdit_spec()
    assert all(p.accepts_code for p in spec.phases)
    assert [f.extensions for f in spec.formats if f.code] == [(".py", ".zip")]


def test_sync_copies_the_declaration_and_keeps_the_hosts_edit(code_tiny, monkeypatch):
    assert (_phase(code_tiny, "dev").accepts_code, _phase(code_tiny, "test").accepts_code) == (False, True)
    assert [f["code"] for f in Benchmark.objects.get(pk=code_tiny.pk).formats] == [False, True]
    Phase.objects.filter(benchmark=code_tiny, slug="test").update(accepts_code=False)
    Phase.objects.filter(benchmark=code_tiny, slug="dev").update(accepts_code=True)
    benchmark_sync_all()
    assert (_phase(code_tiny, "dev").accepts_code, _phase(code_tiny, "test").accepts_code) == (True, False)


def test_a_vdit_row_synced_fresh_takes_code_on_every_phase(db):
    benchmark = benchmark_sync(spec=vdit_spec())
    assert set(benchmark.phases.values_list("accepts_code", flat=True)) == {True}


def test_a_code_file_to_a_phase_without_code_is_refused_naming_phase_and_field(
    code_tiny, user, settings, dispatched
):
    phase = _phase(code_tiny, "dev")
    before = quota_status(user=user, phase=phase)
    with pytest.raises(SubmissionInputError) as caught:
        submission_create(owner=user, phase=phase, method_name="mine",
                          upload=SimpleUploadedFile("method.py", CODE))  # fmt: skip
    (message,) = caught.value.field_errors["upload"]
    assert "method.py" in message and f"{code_tiny.slug}/dev" in message and "accepts_code" in message
    assert not Submission.objects.exists() and dispatched == []
    assert quota_status(user=user, phase=phase) == before
    assert not any(p.is_file() for p in Path(settings.SUBMISSION_ROOT).rglob("*"))


def test_the_code_file_is_taken_once_the_host_turns_code_on(
    code_tiny, user, dispatched, django_capture_on_commit_callbacks
):
    sandbox_required()  # a deployment that cannot run code refuses it (tests/api/test_code_refused_api.py)
    phase = _phase(code_tiny, "dev")
    phase.accepts_code = True
    phase.save()
    with django_capture_on_commit_callbacks(execute=True):
        archive = SimpleUploadedFile("method.zip", b"PK\x05\x06" + bytes(18))
        created = submission_create(owner=user, phase=phase, method_name="mine", upload=archive)
    assert created.status == Submission.Status.QUEUED and created.quota_charged


def test_other_files_are_taken_where_code_is_off(code_tiny, user, upload):
    created = submission_create(owner=user, phase=_phase(code_tiny, "dev"), method_name="answers",
                                upload=upload([3, 6, 9]))  # fmt: skip
    assert created.payload_kind == "file"


def test_a_benchmark_that_begins_to_take_code_gets_its_phases_declaration(tiny, monkeypatch):
    assert not _phase(tiny, "test").accepts_code
    _resync(monkeypatch, code_spec(TINYBENCH.spec, accepting=("test",)))
    assert _phase(tiny, "test").accepts_code and not _phase(tiny, "dev").accepts_code


def test_the_migration_turns_code_on_where_the_benchmark_took_py_files(tiny):
    migration = importlib.import_module("leaderboard.migrations.0009_phase_accepts_code")
    Benchmark.objects.filter(pk=tiny.pk).update(
        formats=[{"kind": "file", "description": "code", "extensions": ["py", "zip"]}]
    )
    migration.code_phases_on(apps, None)
    assert set(tiny.phases.values_list("accepts_code", flat=True)) == {True}


def test_the_phase_admin_edits_accepts_code(code_tiny, staff, client):
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    phase = _phase(code_tiny, "dev")
    page = client.get(f"/admin/leaderboard/phase/{phase.pk}/change/")
    assert page.status_code == 200 and 'name="accepts_code"' in page.content.decode()
    form = {"title": phase.title, "description": phase.description, "daily_limit": phase.daily_limit,
            "total_limit": phase.total_limit, "max_upload_bytes": phase.max_upload_bytes,
            "has_private_split": "on", "accepts_code": "on", "is_visible": "on",
            "display_order": phase.display_order}  # fmt: skip
    response = client.post(f"/admin/leaderboard/phase/{phase.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _phase(code_tiny, "dev").accepts_code
