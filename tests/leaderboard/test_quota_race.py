"""Quota under concurrency: 20 parallel uploads against a daily limit of 5 create exactly 5 submissions."""

from __future__ import annotations

import threading

from django.db import connection

from leaderboard.models import Submission
from leaderboard.services import QuotaExceeded, submission_create


def test_submission_create_parallel_uploads_never_exceed_quota(
    postgres_only, transactional_db, phase, user, upload, dispatched, settings
):
    from pathlib import Path

    barrier = threading.Barrier(20)
    outcomes: list[str] = []

    def submit(i: int) -> None:
        try:
            barrier.wait()
            submission_create(owner=user, phase=phase, method_name=f"m{i}", upload=upload())
            outcomes.append("created")
        except QuotaExceeded:
            outcomes.append("quota")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created"] * 5 + ["quota"] * 15
    assert Submission.objects.filter(owner=user, phase=phase).count() == 5
    files = [p for p in Path(settings.SUBMISSION_ROOT).rglob("*") if p.is_file()]
    assert len(files) == 5 and len(dispatched) == 5
