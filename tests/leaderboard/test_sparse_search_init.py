"""The initialised sparse-search track through the platform: bundle, submission, scoring, baselines."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from sb_sparse_search_small import SMALL_CONFIG

from evaluator import registry
from evaluator.benchmarks.sparse_search.init_track import PARAM_NAMES, init_reference_read
from leaderboard.models import LeaderboardEntry, Phase, Score, Submission
from leaderboard.services import (
    benchmark_data_build,
    benchmark_sync_all,
    submission_create,
    submission_evaluate,
)
from leaderboard.services.baselines import baselines_submit
from leaderboard.services.benchmarks import benchmark_data_dir
from leaderboard.services.bundles import phase_bundle_path


@pytest.fixture
def init_phase(db, settings):
    """A reduced sparse-search registered, synced and built; its digits-init phase."""
    saved = dict(registry.REGISTRY)
    registry.REGISTRY.clear()
    registry.REGISTRY["sparse-search"] = "sb_sparse_search_small:SmallSparseSearch"
    registry.benchmark_get.cache_clear()
    benchmark_sync_all()
    benchmark_data_build(slug="sparse-search")
    yield Phase.objects.select_related("benchmark").get(benchmark__slug="sparse-search", slug="digits-init")
    registry.REGISTRY.clear()
    registry.REGISTRY.update(saved)
    registry.benchmark_get.cache_clear()


def _evaluate(submission: Submission) -> Submission:
    submission_evaluate(submission_id=submission.pk, worker_id="w1")
    submission.refresh_from_db()
    return submission


def test_the_bundle_holds_the_init_the_scorer_trains_from_and_nothing_hidden(init_phase):
    data_dir = benchmark_data_dir(benchmark=init_phase.benchmark)
    with zipfile.ZipFile(phase_bundle_path(phase=init_phase)) as bundle:
        names = set(bundle.namelist())
        with np.load(io.BytesIO(bundle.read("init/parent_init.npz")), allow_pickle=False) as arrays:
            published = [arrays[name] for name in PARAM_NAMES]
    assert {"init/parent_init.npz", "init/README.md", "init/protocol.json", "data.npz"} <= names
    assert not any("hidden" in name or name.endswith(("seeds.json", "test.npz")) for name in names)
    _, _, trained_from = init_reference_read(
        hidden_dir=data_dir / "hidden", public_dir=data_dir / "public", config=SMALL_CONFIG
    )
    assert all(np.array_equal(a, b) for a, b in zip(published, trained_from, strict=True))


def test_a_mask_submitted_to_the_initialised_track_is_scored_and_ranked(
    init_phase, user, dispatched, django_capture_on_commit_callbacks
):
    public = benchmark_data_dir(benchmark=init_phase.benchmark) / "public"
    body = (public / "sample_submission.npz").read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        created = submission_create(
            owner=user, phase=init_phase, method_name="mine", upload=SimpleUploadedFile("masks.npz", body)
        )
    submission = _evaluate(created)
    assert submission.status == Submission.Status.SCORED, submission.error_message
    for split in ("public", "private"):
        score = Score.objects.get(submission=submission, split=split)
        assert score.protocol_version == "sparse-search-4"
        assert score.metrics["diff_vs_random"] is not None and score.metrics["diff_vs_same_split"] is not None
    entry = LeaderboardEntry.objects.get(phase=init_phase, split="public", submission=submission)
    assert entry.ranking_value == pytest.approx(entry.metrics["diff_vs_random"])


def test_the_initialised_track_gets_its_own_baselines_and_they_score(init_phase, dispatched):
    made = baselines_submit(slug="sparse-search")
    names = {(s.phase.slug, s.method_name) for s in made}
    for phase in ("digits", "digits-init"):
        assert {(phase, n) for n in ("Dense parent", "Random masks", "Random search")} <= names
    search = next(s for s in made if s.phase == init_phase and s.method_name == "Random search")
    assert "published initialisation" in search.description
    assert _evaluate(search).status == Submission.Status.SCORED, search.error_message
    entry = LeaderboardEntry.objects.get(phase=init_phase, split="private", submission=search)
    assert entry.is_baseline and entry.metrics["diff_vs_random"] is not None
