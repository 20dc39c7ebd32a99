"""The red team's exploit as a spec: nothing public (manifest, splits, code, defaults) rebuilds test views."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
from sb_seeds import TEST_SECRET, seeds_for

from evaluator.benchmarks.spare import SpareBenchmark, SpareConfig
from evaluator.benchmarks.spare.config import PHASES
from evaluator.benchmarks.spare.dataset import SceneJob, scene_job_run
from evaluator.benchmarks.spare.layout import image_name, manifest_read, split_read, submission_name
from evaluator.contract import Payload

PHASE = "track1-dev"
TINY = SpareConfig(width=32, height=24, train_scenes=1, scenes_per_phase=2, test_views=1, workers=1)


def _public_guess(*, public_dir: Path, config, index: int, phase: str, name: str, out: Path) -> Path:
    """Render one phase scene the way spare 1.0 did: scene rng [public seed, index, 0], public split."""
    seed = json.loads((public_dir / "manifest.json").read_text())["public_seed"]
    job = SceneJob(
        index=index,
        name=name,
        role=phase,
        entropy=(seed, index, 0),
        config=config,
        split=split_read(public_dir=public_dir, phase=phase)[name],
        public_dir=out / "public",
        hidden_dir=out / "hidden",
    )
    scene_job_run(job)
    return out / "hidden" / phase / name / "images"


def _hidden_images(built: Path) -> dict[str, bytes]:
    """Every hidden test image's bytes by its path under hidden/."""
    hidden = built / "hidden"
    return {str(p.relative_to(hidden)): p.read_bytes() for p in hidden.rglob("images/*.png")}


def test_no_public_seed_guess_reproduces_any_hidden_test_view(small_bench, built, tmp_path):
    manifest = manifest_read(public_dir=built / "public")
    hidden = set(_hidden_images(built).values())
    total = small_bench.config.total_scenes
    for phase in (PHASE,):
        for name in manifest.phase_scenes[phase]:
            for index in range(total):
                out = tmp_path / f"{phase}-{name}-{index}"
                images = _public_guess(
                    public_dir=built / "public",
                    config=small_bench.config,
                    index=index,
                    phase=phase,
                    name=name,
                    out=out,
                )
                for path in images.glob("*.png"):
                    assert path.read_bytes() not in hidden, (phase, name, index, path.name)


def test_the_red_team_submission_scores_no_better_than_the_best_baseline(small_bench, built, tmp_path):
    public = built / "public"
    manifest = manifest_read(public_dir=public)
    archive = tmp_path / "exploit.zip"
    offset = small_bench.config.train_scenes + [p for p, _, _ in PHASES].index(PHASE) * len(
        manifest.phase_scenes[PHASE]
    )
    with zipfile.ZipFile(archive, "w") as zf:
        for i, name in enumerate(manifest.phase_scenes[PHASE]):
            images = _public_guess(
                public_dir=public,
                config=small_bench.config,
                index=offset + i,
                phase=PHASE,
                name=name,
                out=tmp_path / name,
            )
            for index in split_read(public_dir=public, phase=PHASE)[name].test_views:
                render = (images / image_name(index=index)).read_bytes()
                zf.writestr(submission_name(scene=name, index=index), render)
    payload = Payload(phase=PHASE, public_dir=public, file=archive)
    assert small_bench.validate(payload) == []
    exploit = small_bench.score(payload, built / "hidden")
    best = {"public": {}, "private": {}}
    for baseline in small_bench.baselines():
        report = small_bench.score(
            baseline.make_payload(public, PHASE, tmp_path / baseline.name), built / "hidden"
        )
        for half, split in report.splits.items():
            for key in ("psnr", "psnr_m", "ssim", "ssim_m"):
                best[half][key] = max(best[half].get(key, -np.inf), split.metrics[key])
    for half, split in exploit.splits.items():
        assert split.metrics["psnr_m"] <= best[half]["psnr_m"], (half, split.metrics, best[half])
        assert split.metrics["psnr"] < 30 and split.metrics["ssim"] < 0.9, (half, split.metrics)


def test_public_files_name_no_hidden_seed_and_hold_no_secret(built):
    public = built / "public"
    manifest = json.loads((public / "manifest.json").read_text())
    assert "seed" not in manifest and "public_seed" in manifest and "secret" in manifest["seeds"]
    key = seeds_for().hidden
    needles = [TEST_SECRET, TEST_SECRET.hex().encode(), key.key_id.encode()]
    for path in public.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not any(n in data for n in needles), path


def test_training_scenes_follow_the_public_seed_and_phase_scenes_the_secret(tmp_path):
    other, bench = bytes(range(1, 33)), SpareBenchmark(TINY)
    bench.build(tmp_path / "a", seeds=seeds_for(public=3))
    bench.build(tmp_path / "b", seeds=seeds_for(public=3, secret=other))

    def tree(root: Path, part: str) -> dict[str, bytes]:
        base = root / part
        return {str(p.relative_to(base)): p.read_bytes() for p in base.rglob("*") if p.is_file()}

    a_train, b_train = tree(tmp_path / "a", "public/train"), tree(tmp_path / "b", "public/train")
    assert a_train and a_train == b_train
    a_hidden, b_hidden = _hidden_images(tmp_path / "a"), _hidden_images(tmp_path / "b")
    assert a_hidden.keys() != b_hidden.keys() or all(a_hidden[k] != b_hidden[k] for k in a_hidden)
    assert not list((tmp_path / "a" / "public").rglob("leaderboard_splits.json"))
