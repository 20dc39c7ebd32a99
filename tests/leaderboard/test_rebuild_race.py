"""Two workers finishing submissions of one phase at the same time both land on one consistent board."""

from __future__ import annotations

import threading
import time

from django.db import connection, transaction

from evaluator.contract import ScoreReport, SplitScore
from leaderboard.models import Score
from leaderboard.selectors import leaderboard_rows
from leaderboard.services import submission_claim
from leaderboard.services.outcomes import submission_record_scores


def _report(accuracy: float) -> ScoreReport:
    """A report of the tiny benchmark's shape with the given accuracy on both splits."""
    split = SplitScore(metrics={"accuracy": accuracy, "density": 0.5})
    return ScoreReport(splits={"public": split, "private": split}, protocol_version="1", hardware={})


def _lock_waiters() -> int:
    """Sessions of this database currently waiting on a lock."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        return cursor.fetchone()[0]


def test_concurrent_scorings_of_one_phase_both_land_on_a_consistent_board(
    postgres_only, transactional_db, make_submission, phase
):
    subs = {name: make_submission(method_name=name) for name in ("earlier", "first", "second")}
    for name, sub in subs.items():
        assert submission_claim(submission_id=sub.pk, worker_id=f"w-{name}")
    assert submission_record_scores(
        submission_id=subs["earlier"].pk,
        worker_id="w-earlier",
        report=_report(0.25),
        log_tail="",
        data_id=phase.benchmark.data_id,
    )
    first_written, release = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def record(name: str, accuracy: float, *, hold: bool) -> None:
        """Record a score; the first holds its transaction open until released."""
        try:
            with transaction.atomic():
                results[name] = submission_record_scores(
                    submission_id=subs[name].pk,
                    worker_id=f"w-{name}",
                    report=_report(accuracy),
                    log_tail="",
                    data_id=phase.benchmark.data_id,
                )
                if hold:
                    first_written.set()
                    release.wait(20)
        except Exception as error:  # noqa: BLE001 - the assertion below shows it
            results[name] = error
        finally:
            connection.close()

    first = threading.Thread(target=record, args=("first", 0.5), kwargs={"hold": True})
    first.start()
    assert first_written.wait(20)
    second = threading.Thread(target=record, args=("second", 0.75), kwargs={"hold": False})
    second.start()
    deadline = time.monotonic() + 20
    while _lock_waiters() == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _lock_waiters() > 0, "the second scoring should wait for the first one's transaction"
    release.set()
    first.join(30)
    second.join(30)
    assert results == {"first": True, "second": True}
    page = leaderboard_rows(phase=phase, split=Score.Split.PUBLIC)
    assert [(row.method_name, row.rank) for row in page.rows] == [("second", 1), ("first", 2), ("earlier", 3)]
    assert page.total == 3
