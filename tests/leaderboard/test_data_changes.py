"""New data never mixes with old scores: retired entries leave the board, re-scorable ones are re-scored."""

from __future__ import annotations

import dataclasses

import pytest
from sb_toy import TINYBENCH

from evaluator import registry
from leaderboard.models import LeaderboardEntry, Score, Submission
from leaderboard.services import (
    baselines_submit,
    benchmark_data_build,
    benchmark_sync_all,
    submission_evaluate,
)

TRUTH = [(3 * i) % 10 for i in range(8)]
Status = Submission.Status


def _new_version(monkeypatch, **fields) -> None:
    """The tiny benchmark's spec at version 2 (plus `fields`), as a release that changed its data would be."""
    spec = dataclasses.replace(TINYBENCH.spec, version="2", **fields)
    monkeypatch.setattr(TINYBENCH, "spec", spec)
    registry.benchmark_get.cache_clear()


def _board(phase) -> list[str]:
    return list(
        LeaderboardEntry.objects.filter(phase=phase, split="public").values_list("method_name", flat=True)
    )


@pytest.fixture
def scored(make_submission, phase):
    """A perfect submission scored on the data in service."""
    submission = make_submission(answers=TRUTH, method_name="perfect")
    submission_evaluate(submission_id=submission.pk, worker_id="w1")
    assert _board(phase) == ["perfect"]
    return submission


def test_scores_on_retired_data_leave_the_board_and_stay_marked(scored, phase, make_submission, monkeypatch):
    old = scored.data_id
    waiting = make_submission(answers=TRUTH, method_name="made for the old bundle")
    _new_version(monkeypatch)
    benchmark_sync_all()
    assert _board(phase) == []
    rebuilt = benchmark_data_build(slug=phase.benchmark.slug)
    assert rebuilt.data_id != old and _board(phase) == []
    scored.refresh_from_db()
    assert scored.status == Status.SCORED and scored.data_id == old and scored.data_retired
    assert set(Score.objects.filter(submission=scored).values_list("data_id", flat=True)) == {old}

    submission_evaluate(submission_id=waiting.pk, worker_id="w2")
    waiting.refresh_from_db()
    assert (waiting.status, waiting.failure_kind, waiting.quota_charged) == (Status.FAILED, "platform", False)
    assert "replaced by" in waiting.error_message and "download the new bundle" in waiting.error_message


def test_baselines_are_made_again_for_new_data_and_old_ones_stay_retired(tiny, monkeypatch):
    first = baselines_submit()
    assert first and baselines_submit() == []
    _new_version(monkeypatch)
    benchmark_sync_all()
    benchmark_data_build(slug=tiny.slug)
    second = baselines_submit()
    assert {(s.phase.slug, s.method_name) for s in second} == {(s.phase.slug, s.method_name) for s in first}
    assert all(s.data_retired for s in Submission.objects.filter(pk__in=[s.pk for s in first]))


def test_re_scorable_submissions_are_requeued_and_scored_on_the_new_data(
    scored, phase, monkeypatch, dispatched, django_capture_on_commit_callbacks
):
    old, sent_before = scored.data_id, len(dispatched)
    _new_version(monkeypatch, rescore_on_new_data=True)
    with django_capture_on_commit_callbacks(execute=True):
        benchmark_sync_all()
        rebuilt = benchmark_data_build(slug=phase.benchmark.slug)
    scored.refresh_from_db()
    assert (scored.status, scored.data_id, scored.quota_charged) == (Status.QUEUED, rebuilt.data_id, True)
    assert [d.submission_id for d in dispatched[sent_before:]] == [scored.pk]
    assert _board(phase) == []

    submission_evaluate(submission_id=scored.pk, worker_id="w3")
    scored.refresh_from_db()
    assert scored.status == Status.SCORED and not scored.data_retired
    assert set(Score.objects.filter(submission=scored).values_list("data_id", flat=True)) == {rebuilt.data_id}
    assert rebuilt.data_id != old and _board(phase) == ["perfect"]
