"""Shared fixtures: one small generated SpaRe dataset per test session."""

from __future__ import annotations

from pathlib import Path

import pytest
from sb_seeds import seeds_for

from evaluator.benchmarks.spare import SpareBenchmark, SpareConfig

#: The test configuration: 64x48 images, 1 training scene, 2 scenes per phase, 3 test views each.
SMALL = SpareConfig(width=64, height=48, train_scenes=1, scenes_per_phase=2, test_views=3, workers=1)


@pytest.fixture(scope="session")
def small_bench() -> SpareBenchmark:
    """The benchmark class built with the small test configuration."""
    return SpareBenchmark(SMALL)


@pytest.fixture(scope="session")
def built(small_bench: SpareBenchmark, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """out_dir of a small dataset built with public seed 0 and the test secret (public/ and hidden/)."""
    out = tmp_path_factory.mktemp("spare") / "spare" / small_bench.spec.version
    small_bench.build(out, seeds=seeds_for())
    return out
