"""The rendering benchmark's intervals in the leaderboard API and CSV: each end is a field of its own."""

from __future__ import annotations

import csv
import io

import pytest
from sb_api_fixtures import scored

from evaluator.benchmarks.spare import spare_spec
from leaderboard.models import Phase
from leaderboard.services.benchmarks import benchmark_sync

pytestmark = pytest.mark.django_db
URL = "/api/v1/benchmarks/spare/leaderboard/"
SPEC = spare_spec()


@pytest.fixture
def entry(users):
    """The spare benchmark as synced, with one entry scored with every mean and interval end."""
    phase = Phase.objects.get(benchmark=benchmark_sync(spec=SPEC), slug="track1-dev")
    public = {m.name: 10.0 + n for n, m in enumerate(SPEC.metrics)}
    public.update(psnr_m=24.13, psnr_m_lo=23.9, psnr_m_hi=24.4)
    return scored(owner=users["owner"], phase=phase, method="OliveSplat", public=public)


def test_leaderboard_rows_hold_each_interval_end_as_its_own_metric(clients, entry):
    body = clients["anonymous"].get(URL, {"phase": "track1-dev"}).json()
    (row,) = body["results"]
    assert set(row["metrics"]) == {m.name for m in SPEC.metrics}
    assert (row["metrics"]["psnr_m"], row["metrics"]["psnr_m_lo"], row["metrics"]["psnr_m_hi"]) == (
        24.13, 23.9, 24.4
    )
    assert "dtu_lpips_m_rn_hi" in row["metrics"]


def test_leaderboard_csv_has_a_column_for_each_interval_end_after_its_metric(clients, entry):
    response = clients["anonymous"].get(URL, {"phase": "track1-dev", "format": "csv"})
    header, row = list(csv.reader(io.StringIO(response.content.decode())))
    start = header.index("psnr_m")
    assert header[start : start + 3] == ["psnr_m", "psnr_m_lo", "psnr_m_hi"]
    assert row[start : start + 3] == ["24.13", "23.9", "24.4"]
    assert {m.name for m in SPEC.metrics} <= set(header)


def test_spare_metric_list_documents_the_bootstrap_of_each_interval_end(clients, entry):
    body = clients["anonymous"].get("/api/v1/benchmarks/spare/").json()
    ends = {m["name"]: m for m in body["metrics"] if m["name"].endswith(("_lo", "_hi"))}
    assert len(ends) == 36 and ends["psnr_m_lo"]["label"] == "PSNR-M, 95% low"
    assert "two-level" in ends["psnr_m_lo"]["description"]
