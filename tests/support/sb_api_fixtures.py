"""Fixtures shared by the API and CLI tests: the tiny answers benchmark with data, users, tokens, entries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone
from django.utils.functional import empty
from rest_framework.test import APIClient
from sb_accounts import verified_user
from sb_seeds import seeds_for
from sb_toy import TINY_ENTRY

from evaluator import registry
from leaderboard import services
from leaderboard.models import Benchmark, Phase, Score, Submission, submission_storage

PASSWORDS = {"owner": "pw-olive-123", "other": "pw-oscar-123", "staff": "pw-stella-123"}
NAMES = {"owner": "olive", "other": "oscar", "staff": "stella"}


@pytest.fixture(autouse=True)
def private_roots(settings, tmp_path):
    """Payloads and data of each test live in a temporary private root."""
    settings.SUBMISSION_ROOT = tmp_path / "submissions"
    settings.DATA_ROOT = tmp_path / "data"
    submission_storage._wrapped = empty
    yield tmp_path
    submission_storage._wrapped = empty


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests create several users each: hash their passwords cheaply."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def throttle_cache_clear():
    """Throttle counters live in the cache: start each test from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def tiny_registered():
    """Register the tiny benchmark under the slug "tiny" for this test."""
    with registry.registry_override(TINY_ENTRY):
        yield registry.benchmark_get("tiny")


@pytest.fixture
def benchmark(db, tiny_registered) -> Benchmark:
    """The tiny benchmark synced from its spec, with its data built under the private data root."""
    row = services.benchmark_sync(spec=tiny_registered.spec)
    tiny_registered.build(services.benchmark_data_dir(benchmark=row), seeds=seeds_for())
    row.data_status = Benchmark.DataStatus.READY
    row.save(update_fields=["data_status"])
    return row


@pytest.fixture
def phases(benchmark) -> dict[str, Phase]:
    """dev: open, small quota and upload cap. test: closed yesterday, private split published."""
    dev = benchmark.phases.get(slug="dev")
    dev.daily_limit, dev.total_limit, dev.max_upload_bytes = 2, 10, 4096
    dev.save()
    test = benchmark.phases.get(slug="test")
    now = timezone.now()
    test.starts_at, test.ends_at = now - dt.timedelta(days=10), now - dt.timedelta(days=1)
    test.show_private_after_close = True
    test.save()
    return {"dev": dev, "test": test}


@pytest.fixture
def users(db) -> dict:
    """An owner, another user and a staff member (the host), all verified."""
    return {
        role: verified_user(NAMES[role], password=PASSWORDS[role], is_staff=role == "staff")
        for role in ("owner", "other", "staff")
    }


@pytest.fixture
def clients(users) -> dict[str, APIClient]:
    """One API client per role, authenticated by token; "anonymous" has none."""
    result = {"anonymous": APIClient()}
    for role, user in users.items():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {services.token_create(user=user)}")
        result[role] = client
    return result


def scored(*, owner, phase, method, public, private=None, baseline=False) -> Submission:
    """A scored submission with its public (and maybe private) score; the leaderboard rebuilt."""
    sub = Submission.objects.create(
        owner=owner,
        phase=phase,
        method_name=method,
        payload_kind="config",
        payload_config={"guess": 1},
        payload_sha256="0" * 64,
        status=Submission.Status.SCORED,
        progress=1.0,
        is_baseline=baseline,
    )
    Score.objects.create(
        submission=sub,
        split="public",
        protocol_version="1",
        metrics=public,
        items=[{"item": "q0", "group": "public", "values": public}],
        hardware={"cpu": "t"},
    )
    if private is not None:
        Score.objects.create(submission=sub, split="private", protocol_version="1", metrics=private)
    services.leaderboard_rebuild(phase=phase)
    return sub


@pytest.fixture
def entries(phases, users) -> dict[str, Submission]:
    """dev: the owner's entry, another user's, a staff baseline. test (closed): one with a private score."""
    dev, test = phases["dev"], phases["test"]

    def metrics(accuracy, density):
        return {"accuracy": accuracy, "density": density}

    return {
        "mine": scored(
            owner=users["owner"],
            phase=dev,
            method="OliveNet",
            public=metrics(0.5, 20.0),
            private=metrics(0.25, 20.0),
        ),
        "theirs": scored(
            owner=users["other"],
            phase=dev,
            method="OscarNet",
            public=metrics(1.0, 50.0),
            private=metrics(0.75, 50.0),
        ),
        "baseline": scored(
            owner=users["staff"], phase=dev, method="Constant", baseline=True, public=metrics(0.0, 100.0)
        ),
        "closed": scored(
            owner=users["owner"],
            phase=test,
            method="ClosedNet",
            public=metrics(0.5, None),
            private=metrics(1.0, None),
        ),
    }
