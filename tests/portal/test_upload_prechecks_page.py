"""The submit form's answer to an upload its benchmark's checks refuse: every problem, nothing kept."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from sb_sandbox import sandbox_assumed

from evaluator.registry import benchmark_get
from leaderboard.models import Benchmark, Submission
from leaderboard.services import benchmark_data_dir, benchmark_sync

pytestmark = pytest.mark.django_db
URL = "/benchmarks/frontier/submit/?phase=dev"


@pytest.fixture(autouse=True)
def _code_runnable(monkeypatch):
    """Uploads judged as where bubblewrap runs (its absence is tests/api/test_code_refused_api.py's)."""
    sandbox_assumed(monkeypatch)


@pytest.fixture
def frontier(db):
    """The frontier benchmark synced with ready (empty) public data: its checks need none."""
    row = benchmark_sync(spec=benchmark_get("frontier").spec)
    (benchmark_data_dir(benchmark=row) / "public").mkdir(parents=True)
    Benchmark.objects.filter(pk=row.pk).update(data_status=Benchmark.DataStatus.READY)
    return row


def _post(client, **fields):
    data = {"method_name": "Mine", "description": "", "paper_url": "", "code_url": "", "is_public": "on"}
    return client.post(URL, {**data, **fields})


def _block(html: str, field: str) -> str:
    return html.split(f'id="field-{field}"', 1)[1].split('id="field-', 1)[0]


def test_a_code_file_without_select_is_refused_on_the_upload_field_with_a_summary(
    client, users, frontier, private_roots
):
    client.force_login(users["owner"])
    code = SimpleUploadedFile("my select.py", b"def choose(q, k, **info):\n    return {}\n")
    response = _post(client, upload=code)
    assert response.status_code == 400
    html = response.content.decode()
    assert "my select.py: no_select: defines no select(q, k, **info) at module level" in _block(
        html, "upload"
    )
    summary = html.split('id="form-errors"', 1)[1].split("</div>", 1)[0]
    assert (
        "1 problem in my select.py found at upload; nothing was stored or queued and no quota was used."
        in (summary)
    )
    assert not Submission.objects.exists()
    assert not [p for p in (private_roots / "submissions").rglob("*") if p.is_file()]


def test_a_config_with_an_unknown_method_is_refused_on_the_config_field(client, users, frontier):
    client.force_login(users["owner"])
    html = _post(client, config='{"method": "nope"}').content.decode()
    assert "config.method: nope is not a long-context method; use one of" in _block(html, "config")
    assert "1 problem in the configuration found at upload" in html
    assert not Submission.objects.exists()
