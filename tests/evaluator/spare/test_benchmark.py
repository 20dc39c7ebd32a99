"""The plugin as the platform sees it: registry entry, spec, phases and public bundle paths."""

from __future__ import annotations

from evaluator.benchmarks.spare import SpareBenchmark
from evaluator.contract import SubmissionKind
from evaluator.metrics import METRIC_CONVENTIONS
from evaluator.registry import REGISTRY, benchmark_get


def test_registry_instantiates_the_default_spare_benchmark():
    assert REGISTRY["spare"] == "evaluator.benchmarks.spare:SpareBenchmark"
    bench = benchmark_get("spare")
    assert isinstance(bench, SpareBenchmark)
    assert (bench.config.width, bench.config.height, bench.config.test_views) == (200, 150, 10)
    assert bench.config.total_scenes >= 24


def test_spec_declares_phases_metrics_ranking_and_zip_format():
    spec = SpareBenchmark().spec
    assert (spec.slug, spec.version, spec.ranking_metric) == ("spare", "1.2", "psnr_m")
    assert spec.pareto_axes == ("lpips_m", "psnr_m")
    assert [p.slug for p in spec.phases] == ["track1-dev", "track1-test", "track2-dev", "track2-test"]
    assert spec.phase("track2-dev").public_paths == (
        "manifest.json",
        "README.md",
        "splits/Track2_split_development.json",
        "train",
        "track2-dev",
    )
    (fmt,) = spec.formats
    assert fmt.kind is SubmissionKind.FILE and fmt.extensions == (".zip",)
    with_ends = [name for key in METRIC_CONVENTIONS for name in (key, f"{key}_lo", f"{key}_hi")]
    assert [m.name for m in spec.metrics] == [*with_ends, *(f"dtu_{k}" for k in with_ends)]
    for metric in spec.metrics:
        key = metric.name.removeprefix("dtu_").removesuffix("_lo").removesuffix("_hi")
        assert metric.higher_is_better == (not key.startswith("lpips"))
        if metric.name.endswith(("_lo", "_hi")):
            assert "two-level" in metric.description and "seed 16" in metric.description
        else:
            assert metric.description.startswith(METRIC_CONVENTIONS[key])
    assert "Synthetic scenes" in spec.metric("psnr_m").description
    assert "DTU scenes only" in spec.metric("dtu_psnr_m").description
    assert spec.metric("dtu_ssim_rn").label == "SSIM (DTU/RegNeRF), DTU scenes"
    assert spec.metric("psnr_m_hi").label == "PSNR-M, 95% high"


def test_every_phase_names_its_ranking_dataset():
    for phase in SpareBenchmark().spec.phases:
        assert "Ranked on PSNR-M over the Synthetic scenes" in phase.description
        assert "DTU" in phase.description


def test_public_bundle_paths_exist_in_a_built_dataset(small_bench, built):
    for phase in small_bench.spec.phases:
        for path in phase.public_paths:
            assert (built / "public" / path).exists(), path
