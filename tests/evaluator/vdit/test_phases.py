"""vdit phases: dev seeds and the model published, the test phases' seeds from the deployment secret only."""

from __future__ import annotations

import json

from sb_seeds import seeds_for

from evaluator.benchmarks.vdit.benchmark import VditBenchmark
from evaluator.benchmarks.vdit.model import PATTERN_COUNTS, model_read
from evaluator.benchmarks.vdit.phases import phase_seeds_read


def _build(tmp_path, **seeds):
    VditBenchmark().build(tmp_path, seeds=seeds_for(**seeds))
    return tmp_path


def test_build_publishes_the_model_and_dev_seeds_and_hides_the_test_seeds(tmp_path):
    out = _build(tmp_path)
    bench = VditBenchmark()
    for name in bench.spec.phase("dev").public_paths:
        assert (out / "public" / name).is_file(), name
    model = model_read(public_dir=out / "public")
    counted = {p: sum(row.count(p) for row in model.patterns) for p in PATTERN_COUNTS}
    assert counted == PATTERN_COUNTS
    public_text = "".join(p.read_text() for p in (out / "public").iterdir())
    hidden = json.loads((out / "hidden" / "seeds.json").read_text())
    assert set(hidden) == {"test", "test-long"}
    for entry in hidden.values():
        assert all(str(seed) not in public_text for seed in (*entry["evaluation"], entry["sampling"]))
    dev = phase_seeds_read(phase="dev", public_dir=out / "public", hidden_dir=out / "hidden")
    assert len(dev.evaluation) == 3


def test_hidden_seeds_change_with_the_secret_not_with_the_public_seed(tmp_path):
    first = _build(tmp_path / "a")
    same_public = _build(tmp_path / "b", secret=bytes(range(1, 33)))
    other_public = _build(tmp_path / "c", public=1)

    def seeds(out, phase):
        return phase_seeds_read(phase=phase, public_dir=out / "public", hidden_dir=out / "hidden")

    assert seeds(first, "test") != seeds(same_public, "test")
    assert seeds(first, "test") == seeds(other_public, "test")
    assert seeds(first, "dev") == seeds(same_public, "dev") != seeds(other_public, "dev")
