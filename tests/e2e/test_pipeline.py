"""End to end through real processes: submit over HTTP, scored by a Celery worker, survive a SIGKILL."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_e2e_submission_is_scored_and_ranked(live_stack):
    stack = live_stack
    token = stack.user_create("e2e-alice")
    status, body = stack.submit(token=token, file=stack.payload(), method_name="PlaneWarpE2E")
    assert status == 201, body
    scored = stack.submission_wait(token=token, submission_id=body["id"], statuses={"scored", "failed"})
    assert scored["status"] == "scored", scored
    public = [s for s in scored["scores"] if s["split"] == "public"]
    assert len(public) == 1 and public[0]["metrics"]["psnr_m"] > 0
    status, board = stack.http("GET", f"/api/v1/benchmarks/{stack.slug}/leaderboard/?phase={stack.phase}")
    assert status == 200 and "PlaneWarpE2E" in str(board)
    status, health = stack.http("GET", "/healthz")
    assert status == 200 and health["database"] == "ok" and health["broker"] == "ok"
    assert health["worker"]["age_s"] is not None and "workers" not in health  # details for staff only


def test_e2e_invalid_upload_is_refused_at_upload_and_the_worker_still_validates_in_full(live_stack, tmp_path):
    import zipfile

    stack = live_stack
    token = stack.user_create("e2e-bob")
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("notes.txt", "not an image")
    status, body = stack.submit(token=token, file=bad, method_name="Broken")
    assert status == 400, body
    cause, consequence = body["file"]
    assert cause.startswith("notes.txt: unexpected file") and "nothing was stored" in body["detail"]
    assert consequence.startswith("bad.zip: ") and "test views missing" in consequence
    # A PNG whose header is right but whose data is not: only the worker's full decode finds it.
    corrupt = tmp_path / "corrupt.zip"
    with zipfile.ZipFile(stack.payload(), "r") as source, zipfile.ZipFile(corrupt, "w") as target:
        names = sorted(source.namelist())
        for name in names:
            data = source.read(name)
            target.writestr(name, data[:40] + b"\0" * 64 if name == names[0] else data)
    status, body = stack.submit(token=token, file=corrupt, method_name="Corrupt")
    assert status == 201, body
    failed = stack.submission_wait(token=token, submission_id=body["id"], statuses={"scored", "failed"})
    assert failed["status"] == "failed" and failed["failure_kind"] == "validation", failed
    assert f"{names[0]}: unreadable PNG" in failed["error"] and failed["scores"] == []


def test_e2e_worker_killed_mid_evaluation_is_scored_exactly_once(live_stack):
    stack = live_stack
    token = stack.user_create("e2e-carol")
    # A fresh worker process pays the cold start of its first evaluation (torch, the LPIPS network):
    # seconds during which the submission is running, so the kill lands mid-evaluation.
    stack.worker_kill()
    stack.worker_start()
    status, body = stack.submit(token=token, file=stack.payload(baseline="grey"), method_name="KilledOnce")
    assert status == 201, body
    first = body["id"]
    stack.submission_wait(token=token, submission_id=first, statuses={"running", "scored", "failed"})
    stack.worker_kill()
    # With no worker alive, a second submission waits in the broker's queue.
    status, body = stack.submit(token=token, file=stack.payload(baseline="input-mean"), method_name="Waiting")
    assert status == 201, body
    second = body["id"]
    stack.worker_start()
    done = stack.submission_wait(token=token, submission_id=first, statuses={"scored", "failed"})
    assert done["status"] == "scored" and done["attempts"] == 2, done
    assert stack.submission_wait(token=token, submission_id=second, statuses={"scored"})["attempts"] == 1
    count = "SELECT COUNT(*) FROM leaderboard_score WHERE submission_id = %s AND split = %s"
    assert stack.scalar(count, (first, "public")) == 1
    assert stack.scalar(count, (first, "private")) == 1
