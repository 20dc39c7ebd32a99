"""Hostile code through the platform: the submission fails naming the problem, its quota is refunded, the
database's other rows and the private roots are unchanged, and the same worker goes on evaluating (the
limits' attacks are tests/evaluator/sandbox/test_hostile_limits.py's).

The probe also runs outside the sandbox (its negative control), where it reaches all it attacked."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from sb_outside import listening, source_call
from sb_sandbox import corpus_source, sandbox_required, tree_digest

from evaluator import registry
from leaderboard.models import LeaderboardEntry, Phase, Score, Submission
from leaderboard.selectors import quota_status
from leaderboard.services import (
    benchmark_data_build,
    benchmark_sync_all,
    submission_create,
    submission_evaluate,
)

#: lists and writes into the deployment's private roots (and SQLite's folder), connects to its database
PROBE = """
import os
import socket


def select(q, k, **info):
    found = []
    for root in @ROOTS@:
        try:
            found.append(f"{root}: LISTED {len(os.listdir(root))}")
            with open(os.path.join(root, "planted.txt"), "w") as f:
                f.write("planted")
            found.append(f"{root}: WRITTEN")
        except OSError as exc:
            found.append(f"{root}: {type(exc).__name__}")
    try:
        socket.create_connection(@DATABASE@, timeout=2).close()
        found.append("database: REACHED")
    except OSError as exc:
        found.append(f"database: {type(exc).__name__}")
    raise RuntimeError("; ".join(found))
"""
#: the worker's next submission after the attacks: a wrong-shaped answer, checked on the trusted side
BAD_SHAPE = (
    b"import torch\n\n\ndef select(q, k, **info):\n"
    b"    return {'kv_num_blocks': torch.zeros(1, dtype=torch.int32),\n"
    b"            'kv_indices': torch.zeros(1, 1, 1, 1, dtype=torch.int32)}\n"
)


@pytest.fixture
def vdit_dev(db, settings):
    """A small vdit registered, synced and built; its dev phase."""
    settings.HEARTBEAT_SECONDS = 3600  # no lease renewal from outside the test's transaction
    with registry.registry_override({"vdit": "sb_vdit_small:SmallVdit"}, exclusive=True):
        benchmark_sync_all()
        benchmark_data_build(slug="vdit")
        yield Phase.objects.select_related("benchmark").get(benchmark__slug="vdit", slug="dev")


def _roots() -> list[Path]:
    """The private roots, and SQLite's folder where the database is a file."""
    roots = [Path(django_settings.DATA_ROOT), Path(django_settings.SUBMISSION_ROOT)]
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"] != ":memory:":
        roots.append(Path(connection.settings_dict["NAME"]).parent)
    return roots


def _database() -> tuple[str, int]:
    """PostgreSQL's address; on SQLite, PostgreSQL's usual one (a stand-in listens there in the test)."""
    if connection.vendor == "postgresql":
        return connection.settings_dict["HOST"] or "127.0.0.1", int(connection.settings_dict["PORT"] or 5432)
    return "127.0.0.1", 5432


def _state(exclude: int) -> tuple:
    """The other submissions' rows, the scores and entries, and the private roots' contents."""
    rows = Submission.objects.exclude(pk=exclude).order_by("pk")
    rows = list(rows.values_list("pk", "status", "quota_charged", "error_message", "failure_kind"))
    return rows, Score.objects.count(), LeaderboardEntry.objects.count(), [tree_digest(r) for r in _roots()]


def _evaluate(user, phase, name: str, body: bytes, capture) -> tuple[Submission, tuple, tuple]:
    """Create, then evaluate on worker w1: the submission, and the state before and after its evaluation."""
    with capture(execute=True):
        created = submission_create(owner=user, phase=phase, method_name=name,
                                    upload=SimpleUploadedFile("method.py", body))  # fmt: skip
    before = _state(created.pk)
    submission_evaluate(submission_id=created.pk, worker_id="w1")
    created.refresh_from_db()
    return created, before, _state(created.pk)


def test_hostile_code_leaves_the_platform_as_it_was_and_the_worker_goes_on(
    vdit_dev, user, other_user, dispatched, django_capture_on_commit_callbacks
):
    sandbox_required()
    capture = django_capture_on_commit_callbacks
    with capture(execute=True):
        theirs = SimpleUploadedFile("method.py", corpus_source("good").encode())
        submission_create(owner=other_user, phase=vdit_dev, method_name="theirs", upload=theirs)
    quota = quota_status(user=user, phase=vdit_dev)
    probe = PROBE.replace("@ROOTS@", repr([str(r) for r in _roots()])).replace(
        "@DATABASE@", repr(_database())
    )
    with listening(*_database()):
        attack, before, after = _evaluate(user, vdit_dev, "probe", probe.encode(), capture)
        assert (attack.status, attack.failure_kind) == (Submission.Status.FAILED, "validation")
        message = attack.error_message
        assert "select_raised" in message and "database: " in message, message
        assert "LISTED" not in message and "WRITTEN" not in message and "REACHED" not in message
        assert (
            after == before and quota_status(user=user, phase=vdit_dev) == quota and not attack.quota_charged
        )

        again, _, _ = _evaluate(user, vdit_dev, "next", BAD_SHAPE, capture)  # the same worker goes on
        assert (
            again.failure_kind == "validation"
            and "answer['kv_num_blocks']: answer_shape" in again.error_message
        )

        before = _state(attack.pk)  # negative control: outside the sandbox the probe reaches all of it
        with pytest.raises(RuntimeError) as outside:
            source_call(probe)
    assert str(outside.value).count("LISTED") == len(_roots()) and "database: REACHED" in str(outside.value)
    assert _state(attack.pk)[3] != before[3]  # it planted files: the comparison above can fail
    for root in _roots():
        (root / "planted.txt").unlink()
