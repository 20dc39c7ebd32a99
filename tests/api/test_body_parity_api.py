"""Every response body the API builds by hand equals what the serializer that documents it (in the schema)
renders: the leaderboard's hot-path bodies (apis/bodies.py) and the refusal bodies (apis/errors.py)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from evaluator.contract import MetricSpec
from leaderboard.apis.bodies import metric_body, row_body
from leaderboard.apis.error_outputs import (
    AccountUnverifiedSerializer,
    DetailSerializer,
    QuotaExceededSerializer,
    StorageUnavailableSerializer,
    TooLargeSerializer,
    UploadRefusedSerializer,
)
from leaderboard.apis.errors import service_error_response, too_large_response
from leaderboard.apis.outputs import LeaderboardRowSerializer, MetricSerializer
from leaderboard.entry_urls import entry_path_template
from leaderboard.selectors import LeaderboardRow
from leaderboard.selectors.quotas import QuotaStatus
from leaderboard.services.errors import (
    AccountUnverified,
    InvalidTransition,
    NotAllowed,
    PayloadTooLarge,
    QuotaExceeded,
    StorageUnavailable,
    UploadRefused,
)

SITE = "http://testserver"
QUOTA = QuotaStatus(
    daily_limit=2, daily_used=2, daily_remaining=0, total_limit=10, total_used=2, total_remaining=8,
    resets_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
)  # fmt: skip


def _wire(data) -> object:
    """A body as the client reads it (JSON round trip: ordered dicts and lazy strings made plain)."""
    return json.loads(json.dumps(data))


def _same(body: dict, serializer_class) -> None:
    """The body holds exactly the serializer's fields (its optional ones may be left out) and the
    serializer renders the same values from it."""
    fields = serializer_class().fields
    required = {name for name, field in fields.items() if field.required}
    assert required <= set(body) <= set(fields), (sorted(body), sorted(fields))
    assert _wire(serializer_class(body).data) == _wire({k: v for k, v in body.items() if k in fields})


@pytest.mark.parametrize(
    ("error", "status", "serializer_class"),
    [
        (PayloadTooLarge(4096, 5000), 413, TooLargeSerializer),
        (QuotaExceeded(QUOTA), 429, QuotaExceededSerializer),
        (AccountUnverified(), 403, AccountUnverifiedSerializer),
        (StorageUnavailable(area="submission", reason="full", full=True), 507, StorageUnavailableSerializer),
        (StorageUnavailable(area="bundle", reason="read-only file system", full=False), 503,
         StorageUnavailableSerializer),
        (NotAllowed("not yours"), 403, DetailSerializer),
        (InvalidTransition("already scored"), 409, DetailSerializer),
        (UploadRefused({"upload": ["a.json: no answers"]}, field="upload", shown_name="a.json"), 400,
         UploadRefusedSerializer),
    ],
)  # fmt: skip
def test_each_refusal_body_matches_its_documenting_serializer(error, status, serializer_class):
    response = service_error_response(error=error)
    assert response.status_code == status
    _same(response.data, serializer_class)


def test_the_413_body_matches_its_serializer_and_the_quota_its_own():
    _same(too_large_response(limit_bytes=10, size_bytes=11).data, TooLargeSerializer)
    quota = service_error_response(error=QuotaExceeded(QUOTA)).data["quota"]
    assert quota["resets_at"] == "2026-01-02T00:00:00Z"  # as the benchmark detail's quota gives it


def test_metric_body_matches_the_metric_serializer():
    for metric in (
        MetricSpec(name="psnr", label="PSNR", unit="dB", higher_is_better=True, description="d"),
        MetricSpec(name="l0_density", label="Density", unit="", higher_is_better=False, detail=True),
    ):
        body = metric_body(metric)
        assert body == MetricSerializer(metric).data
        _same(body, MetricSerializer)


@pytest.mark.parametrize("reference", [False, True])
def test_row_body_matches_the_row_serializer_for_ranked_and_reference_rows(reference):
    row = LeaderboardRow(
        rank=None if reference else 3,
        submission_id=42,
        method_name="Constant" if reference else "OliveNet",
        submitter="baseline" if reference else "olive",
        is_baseline=reference,
        metrics={"psnr": 21.5, "lpips": None},
        paper_url="" if reference else "https://example.org/p",
        code_url="",
        submitted_at=dt.datetime(2026, 3, 4, 5, 6, 7, 890000, tzinfo=dt.UTC),
        is_reference=reference,
        duplicate_of=None if reference else 41,
    )
    body = row_body(row, entry_url=SITE + entry_path_template())
    assert _wire(body) == _wire(LeaderboardRowSerializer(row, context={"site": SITE}).data)
    assert list(body) == list(LeaderboardRowSerializer().fields)
