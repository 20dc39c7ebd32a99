"""Each leaderboard row's paired difference to the next row in the API's JSON and CSV, and its reads."""

from __future__ import annotations

import csv
import dataclasses
import io

import pytest
from sb_paired import paired_board

from evaluator.benchmarks.spare import spare_spec
from leaderboard.models import Phase
from leaderboard.selectors import leaderboard_rows, leaderboard_rows_paired
from leaderboard.selectors.paired import neighbour_differences
from leaderboard.services.benchmarks import benchmark_sync

pytestmark = pytest.mark.django_db
URL = "/api/v1/benchmarks/spare/leaderboard/"


@pytest.fixture
def board(users):
    """Alpha, Bravo, Charlie on spare's track1-dev public split, each with psnr_m per scene and view."""
    phase = Phase.objects.get(benchmark=benchmark_sync(spec=spare_spec()), slug="track1-dev")
    return paired_board(phase=phase, owner=users["owner"])


def test_leaderboard_json_gives_each_row_its_paired_difference_to_the_next(clients, board):
    body = clients["anonymous"].get(URL, {"phase": "track1-dev"}).json()
    names = [row["method_name"] for row in body["results"]]
    assert names == ["Alpha", "Bravo", "Charlie"]
    alpha, bravo, charlie = (row["delta_to_next"] for row in body["results"])
    assert alpha["metric"] == "psnr_m" and alpha["other_submission_id"] == board["Bravo"].pk
    assert alpha["difference"] == pytest.approx(0.3, abs=1e-9)
    assert 0.0 < alpha["low"] < alpha["difference"] < alpha["high"] and alpha["separated"] is True
    assert (alpha["groups"], alpha["items"]) == (6, 24)
    assert bravo["other_submission_id"] == board["Charlie"].pk and bravo["separated"] is False
    assert bravo["difference"] == pytest.approx(0.01, abs=1e-9) and bravo["low"] < 0.0 < bravo["high"]
    assert charlie is None  # the last row has no next row


def test_the_last_row_of_a_page_is_paired_with_the_first_row_of_the_next(clients, board):
    body = clients["anonymous"].get(URL, {"phase": "track1-dev", "limit": 1}).json()
    (row,) = body["results"]
    assert row["method_name"] == "Alpha" and row["delta_to_next"]["other_submission_id"] == board["Bravo"].pk


def test_no_paired_difference_on_a_metric_the_items_do_not_hold(clients, board):
    body = clients["anonymous"].get(URL, {"phase": "track1-dev", "order_by": "psnr"}).json()
    assert [row["delta_to_next"] for row in body["results"]] == [None, None, None]


def test_leaderboard_csv_ends_with_the_paired_difference_columns(clients, board):
    response = clients["anonymous"].get(URL, {"phase": "track1-dev", "format": "csv"})
    header, *rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert header[-5:] == [
        "url", "delta_to_next", "delta_to_next_lo", "delta_to_next_hi", "delta_to_next_separated"
    ]
    alpha, bravo, charlie = (dict(zip(header, row, strict=True)) for row in rows)
    assert float(alpha["delta_to_next"]) == pytest.approx(0.3, abs=1e-9)
    assert float(alpha["delta_to_next_lo"]) > 0.0 and alpha["delta_to_next_separated"] == "true"
    assert float(bravo["delta_to_next_lo"]) < 0.0 < float(bravo["delta_to_next_hi"])
    assert bravo["delta_to_next_separated"] == "false"
    assert [charlie[name] for name in header[-4:]] == ["", "", "", ""]


def test_paired_page_keeps_the_rows_and_ranks_of_the_plain_page(board):
    phase = board["Alpha"].phase
    for limit, offset in ((1, 0), (2, 1), (100, 0), (5, 3)):
        paired = leaderboard_rows_paired(phase=phase, limit=limit, offset=offset)
        plain = leaderboard_rows(phase=phase, limit=limit, offset=offset)
        assert paired.page == plain


def test_a_page_at_the_row_ceiling_reads_the_next_row_alone(board, monkeypatch):
    monkeypatch.setattr("leaderboard.selectors.leaderboards.MAX_LIMIT", 2)
    monkeypatch.setattr("leaderboard.selectors.paired.MAX_LIMIT", 2)
    paired = leaderboard_rows_paired(phase=board["Alpha"].phase, limit=2)
    assert [row.method_name for row in paired.page.rows] == ["Alpha", "Bravo"]
    assert paired.differences[board["Bravo"].pk].other_submission_id == board["Charlie"].pk


def test_paired_page_refuses_what_the_plain_page_refuses(board):
    phase = board["Alpha"].phase
    for limit, offset in ((-1, 0), (1, -1)):
        with pytest.raises(ValueError, match="non-negative"):
            leaderboard_rows_paired(phase=phase, limit=limit, offset=offset)


def test_a_pair_is_computed_once_then_read_from_the_cache(board, django_assert_num_queries):
    phase = board["Alpha"].phase
    rows = leaderboard_rows(phase=phase).rows
    with django_assert_num_queries(2):  # the entries' scores, then the items of the pairs not cached
        first = neighbour_differences(phase=phase, split="public", metric="psnr_m", rows=rows)
    with django_assert_num_queries(1):  # the scores alone: both pairs come from the cache
        again = neighbour_differences(phase=phase, split="public", metric="psnr_m", rows=rows)
    assert first == again and set(first) == {board["Alpha"].pk, board["Bravo"].pk}


def test_a_changed_published_value_is_not_served_from_the_cache(board):
    phase = board["Alpha"].phase
    rows = leaderboard_rows(phase=phase).rows
    assert neighbour_differences(phase=phase, split="public", metric="psnr_m", rows=rows)
    moved = [dataclasses.replace(row, metrics={"psnr_m": row.metrics["psnr_m"] + 1.0}) for row in rows]
    assert neighbour_differences(phase=phase, split="public", metric="psnr_m", rows=moved) == {}
