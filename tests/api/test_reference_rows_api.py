"""Leaderboard API: a reference baseline has rank null and is_reference true, in JSON and CSV."""

from __future__ import annotations

import csv
import io

import pytest

from leaderboard import services

pytestmark = pytest.mark.django_db
URL = "/api/v1/benchmarks/tiny/leaderboard/"


@pytest.fixture
def reference(entries, benchmark, phases):
    """The dev phase's baseline ("Constant") declared a reference, the boards rebuilt."""
    benchmark.reference_baselines = ["Constant"]
    benchmark.save(update_fields=["reference_baselines"])
    services.leaderboard_rebuild(phase=phases["dev"])
    return entries["baseline"]


def test_leaderboard_json_gives_a_reference_no_rank(clients, reference):
    body = clients["anonymous"].get(URL, {"phase": "dev"}).json()
    rows = [(r["method_name"], r["rank"], r["is_reference"]) for r in body["results"]]
    assert rows == [("OscarNet", 1, False), ("OliveNet", 2, False), ("Constant", None, True)]


def test_leaderboard_csv_has_the_reference_column(clients, reference):
    text = clients["anonymous"].get(URL, {"phase": "dev", "format": "csv"}).content.decode()
    table = list(csv.DictReader(io.StringIO(text)))
    assert [(r["method_name"], r["rank"], r["is_reference"]) for r in table] == [
        ("OscarNet", "1", "false"),
        ("OliveNet", "2", "false"),
        ("Constant", "", "true"),
    ]


def test_openapi_documents_the_reference_flag(clients):
    schema = clients["anonymous"].get("/api/v1/schema/").content.decode()
    assert "is_reference" in schema and "null for a reference baseline" in schema
