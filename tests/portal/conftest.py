"""Fixtures of the portal tests: a benchmark with two phases, users, scored submissions and entries."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.utils import timezone
from django.utils.functional import empty
from sb_accounts import verified_user

from leaderboard.models import Benchmark, Phase, Score, Submission, submission_storage
from leaderboard.services.leaderboards import leaderboard_rebuild

METRICS = [
    {
        "name": "psnr",
        "label": "PSNR",
        "unit": "dB",
        "higher_is_better": True,
        "fmt": "{:.2f}",
        "description": "Peak signal-to-noise ratio over the masked pixels.",
    },
    {
        "name": "lpips",
        "label": "LPIPS",
        "unit": "",
        "higher_is_better": False,
        "fmt": "{:.4f}",
        "description": "Learned perceptual distance (AlexNet, v0.1).",
    },
    {
        "name": "density",
        "label": "Density",
        "unit": "%",
        "higher_is_better": False,
        "fmt": "{:.1f}",
        "description": "Share of attention blocks computed.",
    },
]
FILE_FORMATS = [{"kind": "file", "description": "ZIP of PNG renders", "extensions": [".zip"]}]


@pytest.fixture(autouse=True)
def private_roots(settings, tmp_path):
    """Payloads of the tests go to a temporary private root (the lazy storage is re-read around each test)."""
    settings.SUBMISSION_ROOT = tmp_path / "submissions"
    settings.DATA_ROOT = tmp_path / "data"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    submission_storage._wrapped = empty
    yield tmp_path
    submission_storage._wrapped = empty


@pytest.fixture
def benchmark(db) -> Benchmark:
    """A visible benchmark with ready data, three metrics and a file format."""
    return Benchmark.objects.create(
        slug="toy",
        version="1.0",
        title="Toy rendering",
        description="Render the toy scenes.",
        metrics=METRICS,
        ranking_metric="psnr",
        pareto_x="density",
        pareto_y="psnr",
        formats=FILE_FORMATS,
        data_status=Benchmark.DataStatus.READY,
    )


@pytest.fixture
def phase(benchmark) -> Phase:
    """An open dev phase whose private split is never shown."""
    return Phase.objects.create(
        benchmark=benchmark,
        slug="dev",
        title="Development",
        display_order=0,
        daily_limit=2,
        total_limit=10,
        max_upload_bytes=4096,
    )


@pytest.fixture
def closed_phase(benchmark) -> Phase:
    """A test phase that closed yesterday; the host shows its private split after close."""
    now = timezone.now()
    return Phase.objects.create(
        benchmark=benchmark,
        slug="test",
        title="Test",
        display_order=1,
        starts_at=now - dt.timedelta(days=10),
        ends_at=now - dt.timedelta(days=1),
        show_private_after_close=True,
    )


@pytest.fixture
def users(db) -> dict:
    """An owner, another user and a staff member, all verified."""
    return {
        "owner": verified_user("olive", password="pw-olive-123"),
        "other": verified_user("oscar", password="pw-oscar-123"),
        "staff": verified_user("stella", password="pw-stella-123", is_staff=True),
    }


def scored(*, owner, phase, method, public, private=None, baseline=False, items=(), na_reasons=None):
    """A scored submission with its public (and maybe private) score, then the entries rebuilt."""
    sub = Submission.objects.create(
        owner=owner,
        phase=phase,
        method_name=method,
        payload_kind="file",
        payload_sha256=hashlib.sha256(method.encode()).hexdigest(),  # distinct content per method
        status=Submission.Status.SCORED,
        progress=1.0,
        is_baseline=baseline,
        log_tail="scored 4 items\nall done",
    )
    Score.objects.create(
        submission=sub,
        split="public",
        protocol_version="1",
        metrics=public,
        na_reasons=na_reasons or {},
        items=list(items),
        hardware={"cpu": "test-cpu"},
    )
    if private is not None:
        Score.objects.create(submission=sub, split="private", protocol_version="1", metrics=private, items=[])
    leaderboard_rebuild(phase=phase)
    return sub


@pytest.fixture
def make_scored():
    """The `scored` helper, for tests that add entries of their own."""
    return scored


@pytest.fixture
def entries(phase, closed_phase, users) -> dict:
    """Three scored entries on dev (one baseline), one on the closed test phase with a private score."""
    items = [
        {"item": "cam_000", "group": "lego", "values": {"psnr": 31.25, "lpips": 0.0521}},
        {"item": "cam_001", "group": "lego", "values": {"psnr": 29.5, "lpips": None}},
    ]
    return {
        "mine": scored(
            owner=users["owner"],
            phase=phase,
            method="OliveSplat",
            public={"psnr": 30.5, "lpips": 0.08, "density": None},
            private={"psnr": 28.0},
            items=items,
            na_reasons={"density": "not measured for file submissions"},
        ),
        "theirs": scored(
            owner=users["other"],
            phase=phase,
            method="OscarField",
            public={"psnr": 27.0, "lpips": 0.05, "density": 12.0},
        ),
        "baseline": scored(
            owner=users["staff"],
            phase=phase,
            method="NearestView",
            baseline=True,
            public={"psnr": 22.0, "lpips": 0.3, "density": 100.0},
        ),
        "closed": scored(
            owner=users["owner"],
            phase=closed_phase,
            method="ClosedEntry",
            public={"psnr": 25.0, "lpips": 0.1, "density": 50.0},
            private={"psnr": 24.123, "lpips": 0.2, "density": 50.0},
        ),
    }
