"""Publishing one submission at a time gives what a full rebuild gives: every order, rank, page and flag."""

from __future__ import annotations

import random

import pytest

from leaderboard.models import LeaderboardBoard, LeaderboardEntry, LeaderboardValue, Score, Submission
from leaderboard.selectors import leaderboard_rows, pareto_points
from leaderboard.services import leaderboard_rebuild, leaderboard_submission_sync

VALUES = [None, 0.1, 0.25, 0.5, 0.5, 0.75, 0.9]


def _submit(phase, owner, rnd: random.Random, name: str) -> Submission:
    """A scored submission with values drawn from a small set (ties and n/a on both metrics)."""
    submission = Submission.objects.create(
        owner=owner,
        phase=phase,
        method_name=name,
        payload_kind="file",
        payload_sha256="0" * 64,
        status=Submission.Status.SCORED,
        is_baseline=rnd.random() < 0.1,
    )
    for split in ("public", "private"):
        metrics = {"accuracy": rnd.choice(VALUES), "density": rnd.choice(VALUES)}
        Score.objects.create(
            submission=submission,
            split=split,
            protocol_version="1",
            metrics=metrics,
            data_id=phase.benchmark.data_id,
        )
    return submission


def _snapshot(phase, staff) -> dict:
    """Everything a reader sees, in every order and at page sizes that cut ties."""
    seen: dict = {}
    for split in ("public", "private"):
        for metric in ("accuracy", "density"):
            for descending in (True, False):
                key = (split, metric, descending)
                full = leaderboard_rows(
                    phase=phase, split=split, order_by=metric, descending=descending, viewer=staff, limit=1000
                )
                seen[key] = [(row.rank, row.submission_id) for row in full.rows], full.total
                paged = []
                for offset in range(0, full.total, 3):
                    page = leaderboard_rows(
                        phase=phase,
                        split=split,
                        order_by=metric,
                        descending=descending,
                        viewer=staff,
                        limit=3,
                        offset=offset,
                    )
                    paged += [(row.rank, row.submission_id) for row in page.rows]
                assert paged == seen[key][0], key
        chart = pareto_points(phase=phase, split=split, viewer=staff)
        seen[("chart", split)] = (
            [p.submission_id for p in chart.points],
            [p.submission_id for p in chart.frontier],
            chart.total,
        )
    seen["flags"] = sorted(
        LeaderboardEntry.objects.values_list("split", "submission_id", "on_frontier", "plottable", "pinned")
    )
    seen["boards"] = sorted(
        LeaderboardBoard.objects.filter(total__gt=0).values_list("split", "total", "plottable")
    )
    seen["values"] = LeaderboardValue.objects.count()
    return seen


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_publishing_one_by_one_equals_the_rebuild(phase, user, staff, monkeypatch, seed):
    monkeypatch.setattr("leaderboard.selectors.leaderboards.CHART_TOP", 5)  # the chart's top cut matters
    monkeypatch.setattr("leaderboard.selectors.leaderboards.REVERSE_FROM", 1)  # late pages from the far end
    phase.has_private_split = True
    phase.save()
    rnd = random.Random(seed)
    made = []
    for i in range(30):
        made.append(_submit(phase, user, rnd, f"m{i}"))
        leaderboard_submission_sync(submission_id=made[-1].pk)
    # Entries leave and come back: hidden, unhidden, re-queued (frontier points among them).
    frontier = list(LeaderboardEntry.objects.filter(on_frontier=True).values_list("submission_id", flat=True))
    for submission in rnd.sample(made, 6) + [s for s in made if s.pk in frontier[:3]]:
        Submission.objects.filter(pk=submission.pk).update(is_hidden=True)
        leaderboard_submission_sync(submission_id=submission.pk)
        if rnd.random() < 0.5:
            Submission.objects.filter(pk=submission.pk).update(is_hidden=False)
            leaderboard_submission_sync(submission_id=submission.pk)
    incremental = _snapshot(phase, staff)
    leaderboard_rebuild(phase=phase)
    assert _snapshot(phase, staff) == incremental
    assert incremental["boards"][0][1] > 0


def test_publishing_again_replaces_the_entry(phase, user, staff):
    submission = _submit(phase, user, random.Random(5), "again")
    assert leaderboard_submission_sync(submission_id=submission.pk) == 2  # public and private
    Score.objects.filter(submission=submission, split="public").update(
        metrics={"accuracy": 0.42, "density": 0.1}
    )
    leaderboard_submission_sync(submission_id=submission.pk)
    page = leaderboard_rows(phase=phase)
    assert page.total == 1 and page.rows[0].metrics["accuracy"] == 0.42
    assert LeaderboardValue.objects.filter(split="public").count() == 2


def test_a_submission_that_is_not_listed_leaves_the_board(phase, user):
    submission = _submit(phase, user, random.Random(6), "gone")
    leaderboard_submission_sync(submission_id=submission.pk)
    Submission.objects.filter(pk=submission.pk).update(status=Submission.Status.QUEUED)
    assert leaderboard_submission_sync(submission_id=submission.pk) == 0
    assert leaderboard_rows(phase=phase).total == 0
    assert not LeaderboardValue.objects.exists() and not LeaderboardEntry.objects.exists()
