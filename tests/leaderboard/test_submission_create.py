"""submission_create: field checks, size cap before storage, phase dates, quota, storage and enqueueing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from leaderboard.models import Submission
from leaderboard.services import PayloadTooLarge, PhaseClosed, QuotaExceeded, SubmissionInputError
from leaderboard.services.payloads import payload_path


def _stored_files(settings) -> list:
    from pathlib import Path

    root = Path(settings.SUBMISSION_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_submission_create_stores_payload_and_enqueues_on_commit(make_submission, dispatched):
    submission = make_submission(method_name="  my method ")
    assert submission.status == Submission.Status.QUEUED
    assert submission.method_name == "my method"
    assert submission.payload_kind == "file" and submission.payload_name == "answers.json"
    path = payload_path(name=submission.payload_file.name)
    assert path.is_file() and path.stat().st_size == submission.payload_size
    assert len(submission.payload_sha256) == 64 and submission.quota_charged
    assert [(d.submission_id, d.queue) for d in dispatched] == [(submission.pk, "cpu")]
    assert dispatched[0].time_limit > dispatched[0].soft_time_limit == 120


def test_submission_create_reports_every_bad_field(phase, user, upload, settings):
    with pytest.raises(SubmissionInputError) as info:
        submission_create_call(
            phase,
            user,
            method_name=" ",
            paper_url="ftp://x",
            code_url="not a url",
            upload=upload(name="answers.txt"),
        )
    assert set(info.value.field_errors) == {"method_name", "paper_url", "code_url", "upload"}
    assert _stored_files(settings) == []
    assert not Submission.objects.exists()


def test_submission_create_requires_a_payload(phase, user):
    with pytest.raises(SubmissionInputError) as info:
        submission_create_call(phase, user, method_name="m")
    assert "upload" in info.value.field_errors


def test_submission_create_refuses_oversized_upload_before_storing(phase, user, upload, settings):
    with pytest.raises(PayloadTooLarge) as info:
        submission_create_call(phase, user, method_name="m", upload=upload([1] * 3000))
    assert info.value.limit_bytes == 4096 and info.value.size_bytes > 4096
    assert _stored_files(settings) == []
    assert not Submission.objects.exists()


def test_submission_create_refuses_when_phase_closed(phase, user, upload):
    phase.ends_at = timezone.now() - dt.timedelta(minutes=1)
    phase.save()
    with pytest.raises(PhaseClosed):
        submission_create_call(phase, user, method_name="m", upload=upload())


def test_submission_create_charges_daily_quota_and_rejects_beyond(
    make_submission, phase, user, upload, settings
):
    for i in range(5):
        make_submission(method_name=f"m{i}")
    files_before = _stored_files(settings)
    with pytest.raises(QuotaExceeded) as info:
        submission_create_call(phase, user, method_name="m6", upload=upload())
    assert info.value.quota.daily_used == 5 and info.value.quota.daily_remaining == 0
    assert _stored_files(settings) == files_before
    assert Submission.objects.count() == 5


def test_submission_create_quota_is_per_user(make_submission, other_user):
    for i in range(5):
        make_submission(method_name=f"m{i}")
    assert make_submission(owner=other_user).owner_id == other_user.pk


def test_submission_create_total_quota_counts_earlier_days(make_submission, phase, user, upload):
    phase.total_limit = 3
    phase.save()
    for i in range(3):
        make_submission(method_name=f"m{i}")
    Submission.objects.update(created_at=timezone.now() - dt.timedelta(days=2))
    with pytest.raises(QuotaExceeded) as info:
        submission_create_call(phase, user, method_name="m", upload=upload())
    assert info.value.quota.total_remaining == 0 and info.value.quota.daily_used == 0


def test_submission_create_baselines_are_quota_exempt(make_submission, user):
    for i in range(7):
        submission = make_submission(method_name=f"b{i}", is_baseline=True)
    assert not submission.quota_charged and Submission.objects.filter(is_baseline=True).count() == 7


def submission_create_call(phase, user, **kwargs):
    """Call the service outside any on-commit capture."""
    from leaderboard.services import submission_create

    return submission_create(owner=user, phase=phase, **kwargs)


def test_submission_create_accepts_json_config_when_benchmark_does(phase, user, dispatched):
    from leaderboard.models import Benchmark

    Benchmark.objects.filter(pk=phase.benchmark_id).update(formats=[{"kind": "config", "extensions": []}])
    phase.benchmark.refresh_from_db()
    submission = submission_create_call(phase, user, method_name="cfg", config={"b": 1, "a": [1, 2]})
    assert submission.payload_kind == "config" and submission.payload_config == {"b": 1, "a": [1, 2]}
    assert len(submission.payload_sha256) == 64 and not submission.payload_file
    with pytest.raises(SubmissionInputError) as info:
        submission_create_call(phase, user, method_name="cfg", config=["not", "an", "object"])
    assert "config" in info.value.field_errors


def test_submission_create_refuses_deep_or_huge_configs_naming_the_element(phase, user, dispatched):
    from leaderboard.models import Benchmark

    Benchmark.objects.filter(pk=phase.benchmark_id).update(formats=[{"kind": "config", "extensions": []}])
    phase.benchmark.refresh_from_db()
    deep: list = []
    for _ in range(5000):
        deep = [deep]
    for config, text in (({"d": deep}, "nested more than"), ({"n": 10**5000}, "(at n)")):
        with pytest.raises(SubmissionInputError) as info:
            submission_create_call(phase, user, method_name="cfg", config=config)
        assert text in info.value.field_errors["config"][0]
    assert not Submission.objects.exists()


def test_submission_create_messages_are_plain_text_naming_the_uploaded_file(phase, user, upload):
    with pytest.raises(SubmissionInputError) as info:
        submission_create_call(
            phase, user, method_name="m", paper_url="ftp://x", upload=upload(name="../dir/answers.txt")
        )
    assert info.value.field_errors["paper_url"] == ["not an http(s) URL: ftp://x"]
    assert info.value.field_errors["upload"] == ["answers.txt: expected .json"]
