"""Management commands: bootstrap (sync, build, baselines) is idempotent; token_issue prints a token."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from leaderboard.models import Benchmark, Submission


@pytest.fixture
def registered(db):
    from sb_toy import TINYBENCH_ENTRY

    from evaluator.registry import registry_override

    with registry_override(TINYBENCH_ENTRY, exclusive=True):
        yield


def test_bootstrap_syncs_builds_and_submits_baselines_once(
    registered, dispatched, django_capture_on_commit_callbacks
):
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("bootstrap", stdout=out)
        call_command("bootstrap", stdout=out)
    assert Benchmark.objects.get(slug="tinybench").data_status == "ready"
    assert Submission.objects.filter(is_baseline=True).count() == 2
    assert "2 baseline submission(s) created" in out.getvalue()


def test_benchmark_build_unknown_slug_fails(registered):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="unknown benchmark"):
        call_command("benchmark_build", "nope")


def test_token_issue_creates_user_and_prints_token(db):
    from leaderboard.selectors import token_find

    out = StringIO()
    call_command("token_issue", "carol", "--create", stdout=out)
    assert token_find(out.getvalue().strip()).user.username == "carol"


def test_token_issue_prints_a_new_token_each_time_and_rotate_revokes_the_others(db):
    from leaderboard.selectors import token_find

    def issue(*flags):
        out = StringIO()
        call_command("token_issue", "dave", "--create", *flags, stdout=out)
        return out.getvalue().strip()

    first = issue()
    second = issue()
    assert second != first and token_find(first) is not None
    rotated = issue("--rotate")
    assert token_find(rotated) is not None and token_find(first) is None and token_find(second) is None


def test_benchmark_sync_names_every_problem_of_a_broken_plugin_and_writes_nothing(db, monkeypatch):
    import dataclasses

    from django.core.management.base import CommandError
    from sb_toy import TINYBENCH, TINYBENCH_ENTRY

    from evaluator.registry import registry_override

    SLUG = TINYBENCH.spec.slug
    broken = dataclasses.replace(TINYBENCH.spec, ranking_metric="nope", soft_time_limit_s=-1)
    monkeypatch.setattr(TINYBENCH, "spec", broken)
    with registry_override(TINYBENCH_ENTRY, exclusive=True):
        with pytest.raises(CommandError) as caught:
            call_command("benchmark_sync", stdout=StringIO())
    message = str(caught.value)
    assert f"benchmark {SLUG!r} cannot be hosted; nothing was written" in message
    assert "ranking_metric 'nope'" in message and "soft_time_limit_s -1 must be positive" in message
    assert not Benchmark.objects.filter(slug=SLUG).exists()
