"""Reference baselines (Baseline.reference): synced into the benchmark row, listed marked, never ranked."""

from __future__ import annotations

import pytest

from evaluator.contract import Baseline
from leaderboard.models import Benchmark, LeaderboardEntry, Score, Submission
from leaderboard.selectors import leaderboard_leaders, leaderboard_rows, pareto_points
from leaderboard.services import benchmark_sync, leaderboard_rebuild
from leaderboard.services.benchmarks import benchmark_references
from leaderboard.services.board_publish import leaderboard_submission_sync


def _scored(phase, owner, name, accuracy, density=0.5, *, baseline=False):
    """A scored, listed submission with the same metrics on both splits (boards not rebuilt)."""
    submission = Submission.objects.create(
        owner=owner,
        phase=phase,
        method_name=name,
        payload_kind="file",
        payload_sha256="0" * 64,
        status=Submission.Status.SCORED,
        is_baseline=baseline,
    )
    metrics = {"accuracy": accuracy, "density": density}
    for split in ("public", "private"):
        Score.objects.create(
            submission=submission,
            split=split,
            protocol_version="tiny-1",
            metrics=metrics,
            data_id=phase.benchmark.data_id,
        )
    return submission


def _references(phase, names):
    """Declare `names` the benchmark's references through a sync (the boards follow)."""
    benchmark = phase.benchmark
    from evaluator.registry import benchmark_get

    benchmark_sync(spec=benchmark_get(benchmark.slug).spec, references=names)
    phase.benchmark.refresh_from_db()


@pytest.fixture
def board(phase, user, staff):
    """A trivial reference that beats every method, a ranked baseline, ties and an n/a."""
    made = {
        "grey": _scored(phase, staff, "grey", 0.95, baseline=True),
        "best": _scored(phase, user, "best", 0.9),
        "mean": _scored(phase, staff, "mean", 0.8, baseline=True),
        "tie": _scored(phase, user, "tie", 0.8),
        "plane": _scored(phase, staff, "plane", 0.5, baseline=True),
        "low": _scored(phase, user, "low", 0.4),
        "na": _scored(phase, user, "na", None),
    }
    leaderboard_rebuild(phase=phase)
    _references(phase, ["grey", "mean"])
    return made


def test_benchmark_sync_stores_the_plugins_reference_baselines(tiny, monkeypatch):
    from sb_toy import TINYBENCH, ToyBenchmark

    make = ToyBenchmark(TINYBENCH).baselines()[0].make_payload

    def baselines(self):
        return [
            Baseline("zeros", "answers 0", ("dev",), make, reference=True),
            Baseline("ones", "answers 1", ("dev",), make),
        ]

    monkeypatch.setattr(ToyBenchmark, "baselines", baselines)
    assert benchmark_references(slug=tiny.slug) == ["zeros"]
    benchmark_sync(spec=TINYBENCH.spec)
    assert Benchmark.objects.get(slug=tiny.slug).reference_baselines == ["zeros"]
    assert benchmark_references(slug="no-such-benchmark") is None


def test_spare_declares_its_trivial_baselines_as_references():
    assert benchmark_references(slug="spare") == ["grey", "input-mean", "nearest-view"]


def test_reference_rows_are_listed_in_place_without_a_rank(board, phase):
    rows = leaderboard_rows(phase=phase).rows
    assert [(r.rank, r.method_name, r.is_reference) for r in rows] == [
        (None, "grey", True),
        (1, "best", False),
        (None, "mean", True),
        (2, "tie", False),
        (3, "plane", False),
        (4, "low", False),
        (5, "na", False),
    ]
    flags = dict(LeaderboardEntry.objects.filter(split="public").values_list("method_name", "is_reference"))
    assert flags == {"grey": True, "best": False, "mean": True, "tie": False, "plane": False, "low": False,
                     "na": False}  # fmt: skip


def test_a_reference_is_never_the_leader(board, phase):
    leaders = leaderboard_leaders(phase=phase, limit=2)
    assert [(r.rank, r.method_name) for r in leaders] == [(1, "best"), (2, "tie")]


def test_reference_ranks_hold_on_every_page(board, phase):
    whole = [(r.method_name, r.rank) for r in leaderboard_rows(phase=phase).rows]
    for limit in (1, 2, 3):
        for offset in range(len(whole)):
            page = leaderboard_rows(phase=phase, limit=limit, offset=offset).rows
            assert [(r.method_name, r.rank) for r in page] == whole[offset : offset + limit], (limit, offset)


def test_other_orders_count_places_without_the_references(board, phase):
    rows = leaderboard_rows(phase=phase, order_by="accuracy", descending=False).rows
    assert [(r.method_name, r.rank) for r in rows] == [
        ("low", 1),
        ("plane", 2),
        ("mean", None),
        ("tie", 3),
        ("best", 4),
        ("grey", None),
        ("na", 5),
    ]


def test_a_reference_tied_with_a_method_takes_no_place(phase, user, staff):
    _scored(phase, staff, "grey", 0.7, baseline=True)
    _scored(phase, user, "a", 0.7)
    _scored(phase, user, "b", 0.6)
    leaderboard_rebuild(phase=phase)
    _references(phase, ["grey"])
    assert [(r.method_name, r.rank) for r in leaderboard_rows(phase=phase).rows] == [
        ("grey", None),
        ("a", 1),
        ("b", 2),
    ]
    page = leaderboard_rows(phase=phase, limit=1, offset=1).rows
    assert [(r.method_name, r.rank) for r in page] == [("a", 1)]


def test_dropping_the_flag_ranks_the_baseline_again(board, phase):
    _references(phase, [])
    rows = leaderboard_rows(phase=phase).rows
    assert [(r.rank, r.method_name) for r in rows][:3] == [(1, "grey"), (2, "best"), (3, "mean")]
    assert not LeaderboardEntry.objects.filter(is_reference=True).exists()


def test_a_published_reference_score_is_flagged_and_unranked(board, phase, staff):
    late = _scored(phase, staff, "grey", 0.99, baseline=True)
    leaderboard_submission_sync(submission_id=late.pk)
    assert LeaderboardEntry.objects.get(submission=late, split="public").is_reference
    rows = leaderboard_rows(phase=phase).rows
    assert rows[0].method_name == "grey" and rows[0].rank is None
    assert [r.rank for r in rows if r.method_name == "best"] == [1]


def test_only_baselines_are_references(board, phase, user):
    impostor = _scored(phase, user, "grey", 0.97)  # a participant's method named like a reference
    leaderboard_submission_sync(submission_id=impostor.pk)
    rows = leaderboard_rows(phase=phase).rows
    assert (rows[0].method_name, rows[0].rank, rows[0].is_reference) == ("grey", 1, False)


def test_pareto_points_mark_the_references(board, phase):
    points = {p.method_name: p.is_reference for p in pareto_points(phase=phase).points}
    assert points["grey"] is True and points["best"] is False


def _frontier(phase) -> set[str]:
    """Method names on the public split's Pareto frontier."""
    entries = LeaderboardEntry.objects.filter(phase=phase, split="public", on_frontier=True)
    return set(entries.values_list("method_name", flat=True))


def test_a_reference_is_drawn_but_never_on_the_frontier_nor_pushes_a_method_off(board, phase, staff):
    assert _frontier(phase) == {"best"}  # grey dominates "best" but is a reference
    late = _scored(phase, staff, "grey", 0.99, density=0.1, baseline=True)  # dominates everything
    leaderboard_submission_sync(submission_id=late.pk)
    assert _frontier(phase) == {"best"}
    assert {p.method_name for p in pareto_points(phase=phase).points} >= {"grey", "best"}
    _references(phase, [])  # no longer a reference: the rebuilt frontier is grey's
    assert _frontier(phase) == {"grey"}
