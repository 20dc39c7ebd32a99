"""The one call every writer of a board's inputs makes, and the inputs it watches."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction

from leaderboard.models import Benchmark, LeaderboardEntry, Phase
from leaderboard.services.board_publish import leaderboards_settle
from leaderboard.services.leaderboards import leaderboard_rebuild

#: Benchmark fields a board is computed from (besides the scores and the data in service).
BENCHMARK_INPUTS = ("metrics", "ranking_metric", "pareto_x", "pareto_y", "reference_baselines")
#: Phase fields a board is computed from.
PHASE_INPUTS = ("has_private_split",)

_pending = threading.local()


def benchmark_board_inputs(*, benchmark: Benchmark) -> tuple:
    """The values of the benchmark's board inputs, to compare before and after a write."""
    return tuple(getattr(benchmark, name) for name in BENCHMARK_INPUTS)


def leaderboards_refresh(*, phase_ids: Iterable[int] = (), benchmark: Benchmark | None = None) -> int:
    """Rebuild the boards of these phases (and of every phase of `benchmark`) from the rows as they are now.

    The one call of every writer of a board's inputs; call it in the writer's transaction, so that a
    failed rebuild rolls the write back and the next attempt still sees a change. Returns entries written."""
    ids = set(phase_ids)
    if benchmark is not None:
        ids.update(Phase.objects.filter(benchmark=benchmark).values_list("pk", flat=True))
    return sum(leaderboard_rebuild(phase=phase) for phase in Phase.objects.filter(pk__in=ids).order_by("pk"))


def leaderboards_settle_on_commit(*, phase_ids: Iterable[int]) -> None:
    """leaderboards_settle once the current transaction commits, once per phase however many calls.

    For writes that reach a board without a service: entries gone with a deleted submission or user."""
    pending = getattr(_pending, "ids", None)
    if pending is None:
        pending = _pending.ids = set()
    pending.update(phase_ids)
    # Every call registers the flush: after a rollback drops it, the next commit still settles.
    transaction.on_commit(_flush)


def _flush() -> None:
    """Settle the phases queued by leaderboards_settle_on_commit (a no-op once done)."""
    pending = getattr(_pending, "ids", None)
    if not pending:
        return
    ids = set(pending)
    pending.clear()
    leaderboards_settle(phase_ids=ids)


def phase_settings_save(*, phase: Phase, changed: Iterable[str]) -> Phase:
    """Save a host's edit of a phase; its board is rebuilt in the same transaction when an input changed."""
    with transaction.atomic():
        phase.save()
        if set(changed) & set(PHASE_INPUTS):
            leaderboards_refresh(phase_ids=[phase.pk])
    return phase


def user_entries_relabel(*, user_id: int) -> int:
    """The user's entries show their current name (one UPDATE; anonymous and baseline ones keep theirs)."""
    username = get_user_model().objects.filter(pk=user_id).values_list("username", flat=True).first()
    if username is None:
        return 0
    named = LeaderboardEntry.objects.filter(
        submission__owner_id=user_id, submission__is_anonymous=False, is_baseline=False
    )
    return named.exclude(submitter=username).update(submitter=username)
