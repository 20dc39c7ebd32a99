"""Leaderboard endpoint: JSON and CSV, ordering, paging, and the private split's visibility rules."""

from __future__ import annotations

import csv
import io

import pytest
from sb_api_fixtures import scored

pytestmark = pytest.mark.django_db
URL = "/api/v1/benchmarks/tiny/leaderboard/"


def test_leaderboard_json_ranks_by_the_ranking_metric(clients, entries):
    body = clients["anonymous"].get(URL, {"phase": "dev"}).json()
    assert [row["method_name"] for row in body["results"]] == ["OscarNet", "OliveNet", "Constant"]
    assert [row["rank"] for row in body["results"]] == [1, 2, 3]
    assert body["count"] == 3 and body["order_by"] == "accuracy" and body["descending"] is True
    assert body["results"][2]["is_baseline"] is True
    assert body["results"][0]["metrics"] == {"accuracy": 1.0, "density": 50.0}


def test_leaderboard_defaults_to_the_first_phase(clients, entries):
    body = clients["anonymous"].get(URL).json()
    assert body["phase"] == "dev" and body["count"] == 3


def test_leaderboard_orders_by_any_metric_and_direction(clients, entries):
    body = clients["anonymous"].get(URL, {"phase": "dev", "order_by": "density"}).json()
    assert [row["metrics"]["density"] for row in body["results"]] == [20.0, 50.0, 100.0]
    assert body["descending"] is False
    body = clients["anonymous"].get(URL, {"phase": "dev", "order_by": "density", "descending": "true"}).json()
    assert [row["metrics"]["density"] for row in body["results"]] == [100.0, 50.0, 20.0]


def test_leaderboard_pages_with_limit_and_offset(clients, entries):
    response = clients["anonymous"].get(URL, {"phase": "dev", "limit": 1, "offset": 1})
    body = response.json()
    assert [row["method_name"] for row in body["results"]] == ["OliveNet"]
    assert body["count"] == 3 and body["limit"] == 1 and body["offset"] == 1
    assert response["X-Total-Count"] == "3"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"order_by": "speed"}, "order_by"),
        ({"split": "secret"}, "split"),
        ({"limit": "0"}, "limit"),
        ({"limit": "5000"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"limit": "many"}, "limit"),
    ],
)
def test_leaderboard_bad_query_is_400_naming_the_field(clients, entries, params, field):
    response = clients["anonymous"].get(URL, {"phase": "dev", **params})
    assert response.status_code == 400
    assert field in response.json()


def test_leaderboard_unknown_phase_or_benchmark_is_404(clients, entries):
    assert clients["anonymous"].get(URL, {"phase": "final"}).status_code == 404
    assert clients["anonymous"].get("/api/v1/benchmarks/nope/leaderboard/").status_code == 404


@pytest.mark.parametrize("role", ["anonymous", "owner", "other"])
def test_leaderboard_private_split_is_refused_while_the_phase_is_open(clients, entries, role):
    response = clients[role].get(URL, {"phase": "dev", "split": "private"})
    assert response.status_code == 403
    assert "accuracy" not in response.content.decode()


def test_leaderboard_private_split_is_refused_when_the_host_has_not_published_it(clients, entries, phases):
    phases["test"].show_private_after_close = False
    phases["test"].save()
    assert clients["owner"].get(URL, {"phase": "test", "split": "private"}).status_code == 403


def test_leaderboard_private_split_shows_after_close_when_the_host_allows(clients, entries):
    body = clients["anonymous"].get(URL, {"phase": "test", "split": "private"}).json()
    assert body["split"] == "private" and body["splits"] == ["public", "private"]
    assert body["results"][0]["metrics"]["accuracy"] == 1.0


def test_leaderboard_private_split_is_open_to_staff_before_close(clients, entries):
    body = clients["staff"].get(URL, {"phase": "dev", "split": "private"}).json()
    assert [row["metrics"]["accuracy"] for row in body["results"]] == [0.75, 0.25]


def test_leaderboard_csv_has_a_header_and_one_row_per_entry(clients, entries):
    response = clients["anonymous"].get(URL, {"phase": "dev", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="tiny-dev-public.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["rank", "submission_id", "method_name", "submitter", "is_baseline", "is_reference",
                       "accuracy", "density", "paper_url", "code_url", "submitted_at", "url",
                       "delta_to_next", "delta_to_next_lo", "delta_to_next_hi", "delta_to_next_separated"]
    assert [row[2] for row in rows[1:]] == ["OscarNet", "OliveNet", "Constant"]
    assert rows[1][6] == "1.0" and rows[3][4] == "true" and rows[3][5] == "false"
    assert rows[1][11] == f"http://testserver/submissions/{entries['theirs'].pk}/"
    assert rows[1][12:] == ["", "", "", ""]  # one item per entry: no paired difference


def test_leaderboard_csv_writes_na_as_an_empty_cell(clients, entries):
    rows = list(csv.reader(io.StringIO(clients["anonymous"].get(URL, {"phase": "test", "format": "csv"})
                                       .content.decode())))
    assert rows[1][2] == "ClosedNet" and rows[1][7] == ""


def test_leaderboard_csv_errors_are_csv_too(clients, entries):
    response = clients["anonymous"].get(URL, {"phase": "dev", "format": "csv", "order_by": "speed"})
    assert response.status_code == 400
    assert response.content.decode().startswith("field,message\norder_by,")


def test_leaderboard_query_count_does_not_grow_with_rows(clients, entries, phases, users,
                                                         django_assert_max_num_queries):
    with django_assert_max_num_queries(8) as few:
        clients["owner"].get(URL, {"phase": "dev"})
    for index in range(12):
        scored(owner=users["other"], phase=phases["dev"], method=f"m{index}", public={"accuracy": index / 20})
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = clients["owner"].get(URL, {"phase": "dev"}).json()
    assert body["count"] == 15


def test_leaderboard_body_matches_the_documented_serializer(clients, entries):
    from leaderboard import selectors
    from leaderboard.apis.bodies import leaderboard_body
    from leaderboard.apis.outputs import LeaderboardPageSerializer

    phase = entries["mine"].phase
    metrics = selectors.metric_specs(benchmark=phase.benchmark)
    page = selectors.leaderboard_rows(phase=phase, order_by="density")
    documented = LeaderboardPageSerializer({
        "benchmark": "tiny", "phase": "dev", "split": page.split, "splits": ["public"],
        "order_by": page.order_by, "descending": page.descending, "count": page.total, "limit": 100,
        "offset": 0, "metrics": metrics, "results": page.rows,
    }, context={"site": "http://testserver"}).data
    body = leaderboard_body(benchmark="tiny", phase="dev", splits=["public"], page=page, limit=100, offset=0,
                            metrics=metrics, site="http://testserver")
    assert body == documented


@pytest.mark.parametrize("offset", ["9" * 23, "9" * 5000, str(2**63)])
def test_leaderboard_huge_offset_is_400_naming_the_offset(clients, entries, offset):
    response = clients["anonymous"].get(URL, {"phase": "dev", "offset": offset})
    assert response.status_code == 400
    assert "offset" in response.json()


def test_leaderboard_largest_accepted_offset_is_an_empty_page(clients, entries):
    from leaderboard.apis.inputs import OFFSET_MAX

    body = clients["anonymous"].get(URL, {"phase": "dev", "offset": OFFSET_MAX}).json()
    assert body["results"] == [] and body["count"] == 3


@pytest.mark.parametrize("method", ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tTab"])
def test_leaderboard_csv_escapes_text_that_would_start_a_formula(clients, entries, phases, users, method):
    public = {"accuracy": -0.5, "density": 2.0}
    scored(owner=users["other"], phase=phases["dev"], method=method, public=public)
    rows = list(csv.reader(io.StringIO(clients["anonymous"].get(URL, {"phase": "dev", "format": "csv"})
                                       .content.decode())))
    row = next(r for r in rows[1:] if r[2].endswith(method))
    assert row[2] == "'" + method
    assert row[6] == "-0.5"  # numbers stay numbers
