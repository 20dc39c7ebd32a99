"""Every writer of a board's inputs rebuilds it: a board never shows a stale order or split."""

from __future__ import annotations

import dataclasses

import pytest
from sb_toy import TINYBENCH

from evaluator import registry
from evaluator.contract import MetricSpec
from leaderboard.models import Benchmark, LeaderboardEntry, Phase
from leaderboard.selectors import leaderboard_rows, pareto_points
from leaderboard.services import (
    benchmark_data_build,
    benchmark_sync_all,
    board_inputs,
    leaderboard_rebuild,
    submission_evaluate,
)

TRUTH = [(3 * i) % 10 for i in range(8)]


@pytest.fixture
def two_entries(make_submission, phase):
    """Two scored entries: "accurate" (accuracy 1, density 7/8) and "sparse" (accuracy 1/8, density 0)."""
    accurate = make_submission(answers=TRUTH, method_name="accurate")
    sparse = make_submission(answers=[0] * 8, method_name="sparse")
    for submission in (accurate, sparse):
        submission_evaluate(submission_id=submission.pk, worker_id="w")
    return phase


def _order(phase) -> list[str]:
    """The public board's default order, read with the phase's current settings."""
    current = Phase.objects.select_related("benchmark").get(pk=phase.pk)
    return [row.method_name for row in leaderboard_rows(phase=current, split="public").rows]


def test_sync_rebuilds_the_boards_when_the_ranking_metric_changes(two_entries, monkeypatch):
    assert _order(two_entries) == ["accurate", "sparse"]
    spec = dataclasses.replace(TINYBENCH.spec, ranking_metric="density")
    monkeypatch.setattr(TINYBENCH, "spec", spec)
    registry.benchmark_get.cache_clear()
    benchmark_sync_all()
    phase = Phase.objects.select_related("benchmark").get(pk=two_entries.pk)
    assert _order(phase) == ["sparse", "accurate"]  # density: lower is better
    page = leaderboard_rows(phase=phase, split="public", order_by="accuracy", descending=True)
    assert [row.method_name for row in page.rows] == ["accurate", "sparse"] and page.total == 2


def test_the_phase_admin_rebuilds_the_board_when_the_private_split_policy_changes(
    two_entries, client, django_user_model
):
    assert LeaderboardEntry.objects.filter(phase=two_entries, split="private").count() == 2
    client.force_login(django_user_model.objects.create_superuser("root", password="pw-root-1234"))
    url = f"/admin/leaderboard/phase/{two_entries.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    data.update(has_private_split="", show_private_after_close="", is_visible="on")
    for name in ("starts_at", "ends_at"):
        data.pop(name, None)
        data[f"{name}_0"], data[f"{name}_1"] = "", ""
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    assert LeaderboardEntry.objects.filter(phase=two_entries, split="private").count() == 0
    data["has_private_split"] = "on"
    client.post(url, data)
    assert LeaderboardEntry.objects.filter(phase=two_entries, split="private").count() == 2


def _synced_with(monkeypatch, **changes):
    """Sync the tiny benchmark as if its plugin now declared `changes`; the phase read again."""
    monkeypatch.setattr(TINYBENCH, "spec", dataclasses.replace(TINYBENCH.spec, **changes))
    registry.benchmark_get.cache_clear()
    benchmark_sync_all()


def test_sync_rebuilds_the_boards_when_the_pareto_axes_change(two_entries, monkeypatch):
    frontier = LeaderboardEntry.objects.filter(phase=two_entries, split="public", on_frontier=True)
    assert sorted(frontier.values_list("method_name", flat=True)) == ["accurate", "sparse"]
    _synced_with(monkeypatch, pareto_axes=("accuracy", "accuracy"))
    assert list(frontier.values_list("method_name", flat=True)) == ["accurate"]


def test_sync_rebuilds_the_boards_when_a_metric_is_added(two_entries, monkeypatch):
    extra = MetricSpec(name="recall", label="Recall", unit="", higher_is_better=True)
    _synced_with(monkeypatch, metrics=(*TINYBENCH.spec.metrics, extra))
    phase = Phase.objects.select_related("benchmark").get(pk=two_entries.pk)
    page = leaderboard_rows(phase=phase, split="public", order_by="recall", descending=False)
    assert [row.method_name for row in page.rows] == ["accurate", "sparse"] and page.total == 2


def test_sync_whose_rebuild_fails_keeps_the_old_inputs_so_the_next_sync_rebuilds(two_entries, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(board_inputs, "leaderboard_rebuild", broken)
    with pytest.raises(RuntimeError):
        _synced_with(monkeypatch, ranking_metric="density")
    assert Phase.objects.get(pk=two_entries.pk).benchmark.ranking_metric == "accuracy"
    monkeypatch.undo()
    _synced_with(monkeypatch, ranking_metric="density")
    assert _order(two_entries) == ["sparse", "accurate"]


def test_leaderboard_rebuild_reads_the_committed_inputs_not_the_callers_stale_rows(two_entries):
    stale = two_entries  # loaded before a sync and a host edit committed
    Benchmark.objects.filter(pk=stale.benchmark_id).update(ranking_metric="density")
    Phase.objects.filter(pk=stale.pk).update(has_private_split=False)
    leaderboard_rebuild(phase=stale)
    assert _order(stale) == ["sparse", "accurate"]
    assert not LeaderboardEntry.objects.filter(phase=stale, split="private").exists()


def test_deleting_an_entrys_owner_settles_the_board_once(
    two_entries, make_submission, other_user, django_capture_on_commit_callbacks, monkeypatch
):
    third = make_submission(other_user, answers=TRUTH, method_name="third")
    submission_evaluate(submission_id=third.pk, worker_id="w")
    assert _order(two_entries) == ["accurate", "third", "sparse"]
    accurate = LeaderboardEntry.objects.get(phase=two_entries, split="public", method_name="accurate")
    assert [p.method_name for p in pareto_points(phase=two_entries).frontier] == ["sparse", "accurate"]
    calls = []
    real = board_inputs.leaderboards_settle
    monkeypatch.setattr(board_inputs, "leaderboards_settle", lambda **kw: calls.append(kw) or real(**kw))
    with django_capture_on_commit_callbacks(execute=True):
        accurate.submission.owner.delete()  # alice: "accurate" and "sparse" go
    assert len(calls) == 1  # counters and frontier settled once, no rebuild
    assert [p.method_name for p in pareto_points(phase=two_entries).frontier] == ["third"]
    board = leaderboard_rows(phase=two_entries, split="public")
    assert [(row.method_name, row.rank) for row in board.rows] == [("third", 1)] and board.total == 1
    page = leaderboard_rows(phase=two_entries, split="public", order_by="density", descending=True)
    assert [row.rank for row in page.rows] == [1] and page.total == 1


def test_renaming_a_user_relabels_their_entries(two_entries, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user.username = "alicia"
        user.save()
    labels = set(LeaderboardEntry.objects.filter(phase=two_entries).values_list("submitter", flat=True))
    assert labels == {"alicia"}


def test_data_build_whose_rebuild_fails_keeps_the_old_data_id_so_a_retry_rebuilds(
    two_entries, monkeypatch, settings
):
    old = Benchmark.objects.get(pk=two_entries.benchmark_id).data_id
    settings.BUILD_SEED = int(settings.BUILD_SEED) + 1  # other data, another data id

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(board_inputs, "leaderboard_rebuild", broken)
    with pytest.raises(RuntimeError):
        benchmark_data_build(slug=two_entries.benchmark.slug, force=True)
    assert Benchmark.objects.get(pk=two_entries.benchmark_id).data_id == old
    monkeypatch.undo()
    rebuilt = benchmark_data_build(slug=two_entries.benchmark.slug, force=True)
    assert rebuilt.data_id != old and _order(two_entries) == []  # the scores were on the retired data
