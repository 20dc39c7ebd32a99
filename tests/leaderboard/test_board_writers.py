"""Every writer of a board's inputs rebuilds it: a board never shows a stale order or split."""

from __future__ import annotations

import dataclasses

import pytest
from sb_testbench import TinyBenchmark

from evaluator import registry
from leaderboard.models import LeaderboardEntry, Phase
from leaderboard.selectors import leaderboard_rows
from leaderboard.services import benchmark_sync_all, submission_evaluate

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
    return list(
        LeaderboardEntry.objects.filter(phase=phase, split="public").order_by("position").values_list(
            "method_name", flat=True
        )
    )


def test_sync_rebuilds_the_boards_when_the_ranking_metric_changes(two_entries, monkeypatch):
    assert _order(two_entries) == ["accurate", "sparse"]
    spec = dataclasses.replace(TinyBenchmark.spec, ranking_metric="density")
    monkeypatch.setattr(TinyBenchmark, "spec", spec)
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
