"""Benchmark sync keeps host edits; data build/import is atomic; bundles hold only public files; baselines."""

from __future__ import annotations

import zipfile

import pytest
from sb_toy import ToyBenchmark

from leaderboard.models import Benchmark, Phase, Submission
from leaderboard.services import (
    BenchmarkDataError,
    baselines_submit,
    benchmark_data_build,
    benchmark_data_dir,
    benchmark_data_import,
    benchmark_sync_all,
    phase_bundle_path,
)


def test_benchmark_sync_creates_rows_from_spec(tiny):
    assert tiny.ranking_metric == "accuracy" and (tiny.pareto_x, tiny.pareto_y) == ("density", "accuracy")
    assert tiny.formats[0]["extensions"] == ["json"]
    dev = Phase.objects.get(benchmark=tiny, slug="dev")
    assert (dev.daily_limit, dev.total_limit, dev.max_upload_bytes) == (5, 20, 4096)


def test_benchmark_sync_keeps_host_edits(tiny):
    Benchmark.objects.filter(pk=tiny.pk).update(is_visible=False, display_order=7)
    Phase.objects.filter(benchmark=tiny, slug="dev").update(daily_limit=1, total_limit=2, title="Old title")
    benchmark_sync_all()
    tiny.refresh_from_db()
    dev = Phase.objects.get(benchmark=tiny, slug="dev")
    assert (tiny.is_visible, tiny.display_order) == (False, 7)
    assert (dev.daily_limit, dev.total_limit, dev.title) == (1, 2, "Dev")


def test_benchmark_data_build_writes_version_dir_and_marks_ready(tiny):
    assert tiny.data_status == "ready" and tiny.data_origin == "generated:0"
    data_dir = benchmark_data_dir(benchmark=tiny)
    assert data_dir.name == "1" and (data_dir / "hidden" / "answers.json").is_file()
    assert benchmark_data_build(slug="tinybench").data_status == "ready"  # already built: kept


def test_benchmark_data_build_failure_keeps_previous_data(tiny, monkeypatch):
    def broken(self, out_dir, *, seeds, progress=None):
        (out_dir / "public").mkdir()
        raise OSError("disk full")

    monkeypatch.setattr(ToyBenchmark, "build", broken)
    with pytest.raises(BenchmarkDataError, match="disk full"):
        benchmark_data_build(slug="tinybench", force=True)
    tiny.refresh_from_db()
    assert tiny.data_status == "ready" and "disk full" in tiny.data_error
    assert [p.name for p in benchmark_data_dir(benchmark=tiny).parent.iterdir()] == ["1"]


def test_benchmark_data_build_first_failure_marks_failed_and_leaves_nothing(tiny, monkeypatch):
    def broken(self, out_dir, *, seeds, progress=None):
        (out_dir / "public").mkdir()
        raise OSError("disk full")

    import shutil

    shutil.rmtree(benchmark_data_dir(benchmark=tiny))
    monkeypatch.setattr(ToyBenchmark, "build", broken)
    with pytest.raises(BenchmarkDataError, match="disk full"):
        benchmark_data_build(slug="tinybench", force=True)
    tiny.refresh_from_db()
    assert tiny.data_status == "failed"
    assert list(benchmark_data_dir(benchmark=tiny).parent.iterdir()) == []


def test_benchmark_data_import_without_importer_reports_why(tiny, tmp_path):
    with pytest.raises(BenchmarkDataError, match="no import path"):
        benchmark_data_import(slug="tinybench", source=tmp_path)


def test_phase_bundle_contains_only_public_files(phase):
    bundle = phase_bundle_path(phase=phase)
    with zipfile.ZipFile(bundle) as archive:
        assert archive.namelist() == ["inputs/items.json"]
    assert phase_bundle_path(phase=phase) == bundle


def test_baselines_submit_is_idempotent(tiny, dispatched, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = baselines_submit()
    assert sorted(s.phase.slug for s in created) == ["dev", "test"]
    assert all(s.is_baseline and not s.quota_charged and s.owner.username == "baselines" for s in created)
    assert baselines_submit(slug="tinybench") == []
    assert Submission.objects.filter(is_baseline=True).count() == 2 and len(dispatched) == 2


def test_a_build_records_how_far_it_is_on_the_benchmark_and_its_page_shows_it(tiny, monkeypatch, client):
    seen = []

    def slow(self, out_dir, *, seeds, progress):
        (out_dir / "public").mkdir()
        (out_dir / "hidden").mkdir()
        progress(0.25, "scene 1 of 4")
        seen.append(Benchmark.objects.get(pk=tiny.pk))
        seen.append(client.get(f"/benchmarks/{tiny.slug}/").content.decode())
        progress(1.0, "written")

    monkeypatch.setattr(ToyBenchmark, "build", slow)
    benchmark_data_build(slug="tinybench", force=True)
    during, page = seen
    assert (during.data_status, during.data_stage) == ("building", "25% scene 1 of 4")
    assert "not available yet (data building: 25% scene 1 of 4)" in page
    tiny.refresh_from_db()
    assert (tiny.data_status, tiny.data_stage) == ("ready", "100% written")
