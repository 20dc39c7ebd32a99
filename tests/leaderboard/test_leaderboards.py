"""Leaderboards: ranking with direction and n/a last, exclusions, reads in constant queries."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.utils import timezone

from leaderboard.models import LeaderboardBoard, LeaderboardEntry, LeaderboardValue, Score, Submission
from leaderboard.selectors import leaderboard_rows, leaderboard_visible_splits, pareto_points
from leaderboard.services import NotAllowed, leaderboard_rebuild, submission_set_hidden


def _scored(phase, owner, name, accuracy, density, **fields):
    submission = Submission.objects.create(
        owner=owner,
        phase=phase,
        method_name=name,
        payload_kind="file",
        payload_sha256="0" * 64,
        status=fields.pop("status", Submission.Status.SCORED),
        **fields,
    )
    metrics, data_id = {"accuracy": accuracy, "density": density}, phase.benchmark.data_id
    for split in ("public", "private"):
        Score.objects.create(
            submission=submission, split=split, protocol_version="tiny-1", metrics=metrics, data_id=data_id
        )
    return submission


@pytest.fixture
def board(phase, user, other_user, staff):
    """Six submissions: ties, an n/a, a hidden, a private-only, a cancelled, an anonymous and a baseline."""
    made = {
        "best": _scored(phase, user, "best", 0.9, 0.5),
        "tie": _scored(phase, other_user, "tie", 0.7, 0.2, is_anonymous=True),
        "tie2": _scored(phase, user, "tie2", 0.7, 0.9),
        "na": _scored(phase, user, "na", None, 0.1),
        "base": _scored(phase, staff, "base", 0.1, 1.0, is_baseline=True),
        "hidden": _scored(phase, user, "hidden", 1.0, 0.0, is_hidden=True),
        "unlisted": _scored(phase, user, "unlisted", 1.0, 0.0, is_public=False),
        "cancelled": _scored(phase, user, "cancelled", 1.0, 0.0, status=Submission.Status.CANCELLED),
    }
    leaderboard_rebuild(phase=phase)
    return made


def test_leaderboard_rebuild_ranks_by_metric_direction_with_na_last(board, phase):
    page = leaderboard_rows(phase=phase)
    assert [(r.rank, r.method_name) for r in page.rows] == [
        (1, "best"),
        (2, "tie"),
        (2, "tie2"),
        (4, "base"),
        (5, "na"),
    ]
    assert page.total == 5 and page.order_by == "accuracy" and page.descending
    assert page.rows[-1].metrics == {"accuracy": None, "density": 0.1}


def test_leaderboard_rows_show_anonymous_and_baseline_submitters(board, phase):
    submitters = {r.method_name: (r.submitter, r.is_baseline) for r in leaderboard_rows(phase=phase).rows}
    assert submitters["tie"] == ("anonymous", False)
    assert submitters["base"] == ("baseline", True)
    assert submitters["best"] == ("alice", False)


def test_leaderboard_rows_order_by_other_metric_in_sql(board, phase):
    page = leaderboard_rows(phase=phase, order_by="density")
    assert not page.descending
    assert [r.method_name for r in page.rows] == ["na", "tie", "best", "tie2", "base"]
    reverse = leaderboard_rows(phase=phase, order_by="accuracy", descending=False)
    assert [r.method_name for r in reverse.rows] == ["base", "tie", "tie2", "best", "na"]
    assert [r.rank for r in reverse.rows] == [1, 2, 3, 4, 5]


def test_leaderboard_rows_paginates_and_refuses_unknown_metric(board, phase):
    page = leaderboard_rows(phase=phase, limit=2, offset=2)
    assert [r.method_name for r in page.rows] == ["tie2", "base"] and page.total == 5
    with pytest.raises(ValueError, match="unknown metric 'speed'"):
        leaderboard_rows(phase=phase, order_by="speed")


def test_leaderboard_rows_query_count_is_constant(board, phase, user, django_assert_num_queries):
    for i in range(30):
        _scored(phase, user, f"extra{i}", i / 100, 0.5)
    leaderboard_rebuild(phase=phase)
    with django_assert_num_queries(1):
        leaderboard_rows(phase=phase, limit=100)
    with django_assert_num_queries(1):
        leaderboard_rows(phase=phase, order_by="density", limit=100)
    with django_assert_num_queries(1):
        assert leaderboard_rows(phase=phase, offset=35).total == 35
    with django_assert_num_queries(2):  # an empty page reads the total alone
        assert leaderboard_rows(phase=phase, offset=99).total == 35


def test_a_tie_across_the_page_start_keeps_its_rank(board, phase, django_assert_num_queries):
    with django_assert_num_queries(2):  # the page, and the count of entries better than the tie
        page = leaderboard_rows(phase=phase, limit=2, offset=2)
    assert [(r.rank, r.method_name) for r in page.rows] == [(2, "tie2"), (4, "base")]
    assert [(r.rank, r.method_name) for r in leaderboard_rows(phase=phase, limit=1, offset=4).rows] == [
        (5, "na")
    ]


def test_leaderboard_private_split_needs_closed_phase_or_staff(board, phase, staff):
    assert leaderboard_visible_splits(phase=phase) == ["public"]
    with pytest.raises(NotAllowed):
        leaderboard_rows(phase=phase, split="private")
    assert leaderboard_rows(phase=phase, split="private", viewer=staff).total == 5
    phase.ends_at = timezone.now() - dt.timedelta(hours=1)
    phase.show_private_after_close = True
    phase.save()
    assert leaderboard_visible_splits(phase=phase) == ["public", "private"]
    assert leaderboard_rows(phase=phase, split="private").total == 5


def test_submission_set_hidden_rewrites_entries(board, phase, staff):
    submission_set_hidden(submission=board["best"], actor=staff, hidden=True)
    assert leaderboard_rows(phase=phase).rows[0].method_name == "tie"
    submission_set_hidden(submission=board["hidden"], actor=staff, hidden=False)
    assert leaderboard_rows(phase=phase).rows[0].method_name == "hidden"
    assert LeaderboardEntry.objects.filter(phase=phase, split="public").count() == 5


def test_pareto_points_frontier_is_non_dominated(board, phase):
    data = pareto_points(phase=phase)
    assert (data.x_metric, data.y_metric) == ("density", "accuracy")
    assert {p.method_name for p in data.points} == {"best", "tie", "tie2", "base"}
    assert [p.method_name for p in data.frontier] == ["tie", "best"]


def test_leaderboard_rebuild_materialises_frontier_and_chart_flags(board, phase):
    entries = {e.method_name: e for e in LeaderboardEntry.objects.filter(phase=phase, split="public")}
    assert {name for name, e in entries.items() if e.on_frontier} == {"tie", "best"}
    assert {name for name, e in entries.items() if e.plottable} == {"best", "tie", "tie2", "base"}
    assert {name for name, e in entries.items() if e.pinned} == {"best", "tie", "base"}
    boards = LeaderboardBoard.objects.filter(phase=phase).values_list("split", "total", "plottable")
    assert sorted(boards) == [("private", 5, 4), ("public", 5, 4)]


def test_pareto_points_frontier_covers_entries_beyond_the_embedded_top(board, phase, monkeypatch):
    monkeypatch.setattr("leaderboard.selectors.leaderboards.CHART_TOP", 1)
    data = pareto_points(phase=phase)
    assert [p.method_name for p in data.points] == ["tie", "best", "base"]
    assert [p.method_name for p in data.frontier] == ["tie", "best"]
    assert data.total == 4


def test_pareto_points_is_one_query_with_the_plottable_total(board, phase, django_assert_num_queries):
    pareto_points(phase=phase)
    with django_assert_num_queries(1):
        data = pareto_points(phase=phase)
    assert data.total == 4 and len(data.points) == 4


def test_pareto_points_of_an_empty_split_is_empty(phase):
    data = pareto_points(phase=phase)
    assert data.points == [] and data.frontier == [] and data.total == 0


def test_leaderboard_rebuild_writes_one_value_row_per_metric_of_each_entry(board, phase):
    rows = LeaderboardValue.objects.values_list("split", "metric")
    assert sorted(set(rows)) == [
        (split, metric) for split in ("private", "public") for metric in ("accuracy", "density")
    ]
    assert LeaderboardValue.objects.count() == 2 * 2 * 5
    page = leaderboard_rows(phase=phase, order_by="density", descending=True)
    assert [r.method_name for r in page.rows] == ["base", "tie2", "best", "tie", "na"]
    assert [r.rank for r in leaderboard_rows(phase=phase, order_by="density", offset=3).rows] == [4, 5]


def test_leaderboard_rows_skip_entries_deleted_since_the_rebuild(board, phase):
    board["tie"].delete()
    page = leaderboard_rows(phase=phase, order_by="density")
    assert [r.method_name for r in page.rows] == ["na", "best", "tie2", "base"]


def test_migration_backfill_matches_the_rebuild(board, phase):
    from django.apps import apps

    migration = importlib.import_module("leaderboard.migrations.0010_leaderboard_read_time_order")
    flags = ("id", "plottable", "pinned", "on_frontier")
    expected_entries = set(LeaderboardEntry.objects.values_list(*flags))
    columns = ("phase_id", "split", "metric", "na", "value", "rank_na", "rank_key", "submission_id")
    expected_values = set(LeaderboardValue.objects.values_list(*columns))
    expected_boards = set(LeaderboardBoard.objects.values_list("phase_id", "split", "total", "plottable"))
    LeaderboardValue.objects.all().delete()
    LeaderboardBoard.objects.all().delete()
    LeaderboardEntry.objects.update(plottable=False, pinned=False)
    migration.boards_backfill(apps, None)
    assert set(LeaderboardEntry.objects.values_list(*flags)) == expected_entries
    assert set(LeaderboardValue.objects.values_list(*columns)) == expected_values
    boards = LeaderboardBoard.objects.values_list("phase_id", "split", "total", "plottable")
    assert set(boards) == expected_boards


def test_phase_delete_removes_its_entries_values_and_counters(board, phase):
    assert LeaderboardValue.objects.filter(phase=phase).exists()
    phase.delete()
    assert not LeaderboardValue.objects.exists() and not LeaderboardEntry.objects.exists()
    assert not LeaderboardBoard.objects.exists()
