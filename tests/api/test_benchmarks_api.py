"""Benchmark list and detail endpoints: phases, metrics, ranking metric, quota for the caller."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_benchmark_list_shows_visible_benchmarks_with_phases(clients, phases):
    response = clients["anonymous"].get("/api/v1/benchmarks/")
    assert response.status_code == 200
    (tiny,) = response.json()
    assert tiny["slug"] == "tiny" and tiny["ranking_metric"] == "accuracy"
    assert [p["slug"] for p in tiny["phases"]] == ["dev", "test"]


def test_benchmark_list_hides_invisible_benchmarks(clients, phases, benchmark):
    benchmark.is_visible = False
    benchmark.save()
    assert clients["anonymous"].get("/api/v1/benchmarks/").json() == []
    assert clients["owner"].get("/api/v1/benchmarks/tiny/").status_code == 404


def test_benchmark_detail_lists_metrics_phases_and_ranking_metric(clients, phases):
    body = clients["anonymous"].get("/api/v1/benchmarks/tiny/").json()
    assert [m["name"] for m in body["metrics"]] == ["accuracy", "density"]
    assert body["metrics"][0]["higher_is_better"] is True
    assert body["ranking_metric"] == "accuracy" and body["pareto_axes"] == ["density", "accuracy"]
    assert body["curves"] == []  # tiny declares none (frontier's: tests/portal/test_frontier_curves.py)
    dev, test = body["phases"]
    assert dev["is_open"] is True and dev["max_upload_bytes"] == 4096 and dev["splits"] == ["public"]
    assert test["is_open"] is False and test["splits"] == ["public", "private"]


def test_benchmark_detail_quota_is_null_when_anonymous(clients, phases):
    body = clients["anonymous"].get("/api/v1/benchmarks/tiny/").json()
    assert all(phase["quota"] is None for phase in body["phases"])


def test_benchmark_detail_shows_remaining_quota_of_the_caller(clients, phases, users):
    clients["owner"].post("/api/v1/submissions/", {
        "benchmark": "tiny", "phase": "dev", "method_name": "guess", "config": '{"guess": 1}',
    })
    mine = clients["owner"].get("/api/v1/benchmarks/tiny/").json()["phases"][0]["quota"]
    theirs = clients["other"].get("/api/v1/benchmarks/tiny/").json()["phases"][0]["quota"]
    assert (mine["daily_limit"], mine["daily_used"], mine["daily_remaining"]) == (2, 1, 1)
    assert (mine["total_limit"], mine["total_remaining"]) == (10, 9)
    assert theirs["daily_used"] == 0 and theirs["daily_remaining"] == 2


def test_benchmark_detail_unknown_slug_is_404_naming_it(clients, phases):
    response = clients["owner"].get("/api/v1/benchmarks/nope/")
    assert response.status_code == 404
    assert "nope" in response.json()["detail"]


def test_benchmark_detail_lists_item_metrics_apart_from_the_leaderboard_metrics(clients, phases, benchmark):
    benchmark.metrics = [
        *benchmark.metrics,
        {"name": "seed_acc", "label": "Seed accuracy", "unit": "", "higher_is_better": True, "scope": "item"},
    ]
    benchmark.save()
    body = clients["anonymous"].get("/api/v1/benchmarks/tiny/").json()
    assert [m["name"] for m in body["metrics"]] == ["accuracy", "density"]
    assert [m["name"] for m in body["item_metrics"]] == ["seed_acc", "accuracy", "density"]
    assert body["metrics"][0]["detail"] is False


def test_benchmark_formats_are_read_back_through_the_contract(clients, phases, benchmark):
    benchmark.formats = [{"kind": "file", "extensions": [".PY"], "note": "kept out"}, {"kind": "config"}]
    benchmark.save()
    formats = clients["anonymous"].get("/api/v1/benchmarks/tiny/").json()["formats"]
    assert formats == [
        {"kind": "file", "description": "", "extensions": ["py"], "code": True},
        {"kind": "config", "description": "", "extensions": [], "code": False},
    ]
