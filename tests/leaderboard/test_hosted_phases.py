"""The local-model phases (frontier test-hf, vdit-e2e test-real) exist only where the deployment names
a model; a GPU worker that lacks it fails the submission as a platform error (quota refunded) naming
the setting."""

from __future__ import annotations

import pytest

from evaluator import registry
from leaderboard.models import Phase, Submission
from leaderboard.selectors import quota_status, submission_waiting
from leaderboard.services import (
    benchmark_data_build,
    benchmark_sync,
    submission_create,
    submission_evaluate,
)

HOSTED = [
    ("frontier", "test-hf", "SPARSEBENCH_FRONTIER_HF_MODEL", {"method": "block_topk"}),
    ("vdit-e2e", "test-real", "SPARSEBENCH_VDIT_DIFFUSERS_MODEL", {"method": "psa", "preset": "wan2.1-1.3b"}),
]


@pytest.fixture
def fresh_registry():
    """Each benchmark plugin instantiated anew (its spec read from the environment), and again after."""
    registry.benchmark_get.cache_clear()
    yield
    registry.benchmark_get.cache_clear()


def _synced(slug: str):
    """The registered benchmark synced from a plugin made with the current environment."""
    registry.benchmark_get.cache_clear()
    return benchmark_sync(spec=registry.benchmark_get(slug).spec)


@pytest.mark.parametrize(("slug", "phase_slug", "variable", "config"), HOSTED)
def test_local_model_phase_is_hosted_only_with_its_setting_and_a_worker_without_the_model_refunds(
    slug, phase_slug, variable, config, user, monkeypatch, fresh_registry, private_roots, dispatched,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    monkeypatch.delenv(variable, raising=False)
    benchmark = _synced(slug)
    assert not Phase.objects.filter(benchmark=benchmark, slug=phase_slug).exists()
    model = private_roots / "models-on-the-gpu-box" / "model"  # named on the deployment, absent here
    monkeypatch.setenv(variable, str(model))
    benchmark = _synced(slug)
    phase = Phase.objects.select_related("benchmark").get(benchmark=benchmark, slug=phase_slug)
    assert phase.needs_gpu and not phase.accepts_code
    benchmark_data_build(slug=slug)
    with django_capture_on_commit_callbacks(execute=True):
        submission = submission_create(owner=user, phase=phase, method_name="m", config=config)
    assert [d.queue for d in dispatched] == ["gpu"]
    assert submission_waiting(submission=submission).startswith("waiting for a GPU worker")
    assert quota_status(user=user, phase=phase).daily_used == 1
    submission_evaluate(submission_id=submission.pk, worker_id="gpu-without-the-model")
    submission.refresh_from_db()
    assert (submission.status, submission.failure_kind) == (Submission.Status.FAILED, "platform")
    assert not submission.quota_charged and quota_status(user=user, phase=phase).daily_used == 0
    message = submission.error_message
    assert variable in message and "not on this worker's disk" in message and "refunded" in message
    assert str(model) not in message + submission.log_tail
