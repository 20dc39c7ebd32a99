"""Code submissions through the platform: stored, run sandboxed by the scorer, ranked, shown on their page."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from sb_sandbox import sandbox_required

import evaluator.benchmarks.frontier
from evaluator import registry
from leaderboard.models import Benchmark, LeaderboardEntry, Phase, Submission
from leaderboard.selectors import quota_status
from leaderboard.services import (
    benchmark_data_build,
    benchmark_sync_all,
    submission_create,
    submission_evaluate,
)

GOOD = b'''
import torch


def select(q, k, *, causal, block_size, layer, step, geometry):
    """Every query block attends to the first and its own key block."""
    b, h, n, _ = q.shape
    n_q = n // block_size[0]
    mask = torch.zeros(b, h, n_q, k.shape[2] // block_size[1], dtype=torch.bool)
    mask[..., 0] = True
    mask[:, :, torch.arange(n_q), torch.arange(n_q)] = True
    print("layer", layer, "kept", int(mask.sum()))
    return {"block_mask": mask}
'''
NOT_CAUSAL = b"""
import torch


def select(q, k, *, causal, block_size, layer, step, geometry):
    # every query block lists every key block, the future ones included
    n_q, n_k = q.shape[2] // block_size[0], k.shape[2] // block_size[1]
    every = torch.arange(n_k, dtype=torch.int32).expand(q.shape[0], q.shape[1], n_q, n_k).contiguous()
    return {"kv_num_blocks": torch.full(every.shape[:3], n_k, dtype=torch.int32), "kv_indices": every}
"""
BAD = b"""
import torch


def select(q, k, **info):
    return {"kv_num_blocks": torch.zeros(1, dtype=torch.int32)}
"""
OUT_OF_RANGE_EVICTION = b"""
import torch

ANSWER = "eviction"


def select(q, k, *, causal, block_size, layer, step, geometry):
    # one position past the prompt per KV head
    return {"kept": torch.full((k.shape[0], k.shape[1], 1), k.shape[2], dtype=torch.int64)}
"""
SLOW_CALLS = b"""
import time

import torch


def select(q, k, *, causal, block_size, layer, step, geometry):
    time.sleep(1.0)
    b, h, n_q = q.shape[0], q.shape[1], q.shape[2] // block_size[0]
    diag = torch.arange(n_q, dtype=torch.int32).view(1, 1, n_q, 1).expand(b, h, n_q, 1).contiguous()
    return {"kv_num_blocks": torch.ones(b, h, n_q, dtype=torch.int32), "kv_indices": diag}
"""


def _small_dev(slug: str, target: str):
    """The small benchmark ``target`` registered as ``slug``, synced and built; its dev phase."""
    with registry.registry_override({slug: target}, exclusive=True):
        benchmark_sync_all()
        benchmark_data_build(slug=slug)
        yield Phase.objects.select_related("benchmark").get(benchmark__slug=slug, slug="dev")


@pytest.fixture
def vdit_dev(db, settings):
    """A small vdit registered, synced and built; its dev phase."""
    # the lease keeper renews from its own connection, which cannot see this test's transaction:
    # a renewal during a slow sandboxed run would find the lease gone and stop the scoring
    settings.HEARTBEAT_SECONDS = 3600
    yield from _small_dev("vdit", "sb_vdit_small:SmallVdit")


@pytest.fixture
def frontier_dev(db, settings):
    """A small frontier (one 1k-token sample per task) registered, synced and built; its dev phase."""
    settings.HEARTBEAT_SECONDS = 3600  # as vdit_dev: no renewal from outside the test transaction
    yield from _small_dev("frontier", "sb_frontier_small:SmallFrontier")


def _submit(user, phase, body: bytes, dispatched, capture) -> Submission:
    with capture(execute=True):
        created = submission_create(
            owner=user, phase=phase, method_name="mine", upload=SimpleUploadedFile("method.py", body)
        )
    submission_evaluate(submission_id=created.pk, worker_id="w1")
    created.refresh_from_db()
    return created


def test_a_code_submission_is_scored_ranked_and_shows_its_code_and_output(
    vdit_dev, user, client, dispatched, django_capture_on_commit_callbacks
):
    sandbox_required()
    submission = _submit(user, vdit_dev, GOOD, dispatched, django_capture_on_commit_callbacks)
    assert submission.status == Submission.Status.SCORED, submission.error_message
    entry = LeaderboardEntry.objects.get(phase=vdit_dev, split="public", submission=submission)
    assert entry.metrics["density"] < 1.0 and entry.metrics["speedup"] > 0
    client.force_login(user)
    page = client.get(f"/submissions/{submission.pk}/").content.decode()
    assert 'id="submitted-code"' in page and "Every query block attends" in page
    assert "sandbox start-up" in page and "layer 3 kept" in page


def test_a_bad_answer_fails_as_validation_naming_the_array_and_refunds(
    vdit_dev, user, dispatched, django_capture_on_commit_callbacks
):
    sandbox_required()
    submission = _submit(user, vdit_dev, BAD, dispatched, django_capture_on_commit_callbacks)
    assert (submission.status, submission.failure_kind) == (Submission.Status.FAILED, "validation")
    assert "kv_num_blocks" in submission.error_message and not submission.quota_charged


def test_what_the_code_raised_is_told_on_the_dev_phase(
    vdit_dev, user, dispatched, django_capture_on_commit_callbacks
):
    sandbox_required()
    body = b"def select(q, k, **info):\n    raise RuntimeError('my bug at layer ' + str(info['layer']))\n"
    submission = _submit(user, vdit_dev, body, dispatched, django_capture_on_commit_callbacks)
    assert (
        submission.failure_kind == "validation"
        and "RuntimeError: my bug at layer 0" in submission.error_message
    )


def test_a_frontier_code_submission_is_scored_and_ranked(
    frontier_dev, user, dispatched, django_capture_on_commit_callbacks
):
    sandbox_required()
    assert frontier_dev.accepts_code
    body = (Path(evaluator.benchmarks.frontier.__file__).parent / "sample_submission.py").read_bytes()
    submission = _submit(user, frontier_dev, body, dispatched, django_capture_on_commit_callbacks)
    assert submission.status == Submission.Status.SCORED, submission.error_message
    entry = LeaderboardEntry.objects.get(phase=frontier_dev, split="public", submission=submission)
    assert 0.0 < entry.metrics["sparsity"] < 1.0 and entry.metrics["speedup"] > 0


def test_a_frontier_answer_breaking_causality_fails_naming_the_array_and_refunds(
    frontier_dev, user, dispatched, django_capture_on_commit_callbacks
):
    sandbox_required()
    before = quota_status(user=user, phase=frontier_dev)
    body = NOT_CAUSAL
    submission = _submit(user, frontier_dev, body, dispatched, django_capture_on_commit_callbacks)
    assert (submission.status, submission.failure_kind) == (Submission.Status.FAILED, "validation")
    assert "answer['kv_indices']" in submission.error_message and "answer_causal" in submission.error_message
    assert not submission.quota_charged and quota_status(user=user, phase=frontier_dev) == before


def test_a_malformed_frontier_eviction_fails_naming_the_array_and_refunds(
    frontier_dev, user, dispatched, django_capture_on_commit_callbacks
):
    sandbox_required()
    before = quota_status(user=user, phase=frontier_dev)
    body = OUT_OF_RANGE_EVICTION
    submission = _submit(user, frontier_dev, body, dispatched, django_capture_on_commit_callbacks)
    assert (submission.status, submission.failure_kind) == (Submission.Status.FAILED, "validation")
    assert "answer['kept']" in submission.error_message and "answer_range" in submission.error_message
    assert not submission.quota_charged and quota_status(user=user, phase=frontier_dev) == before


def test_quick_calls_past_the_phases_time_limit_fail_as_a_timeout_naming_it(
    frontier_dev, user, dispatched, django_capture_on_commit_callbacks
):
    sandbox_required()
    # the code gets the soft limit less a tenth: 9 s here, start-up included; its first call comes
    # 2 to 6 s in (after the dense pass of the first sample), then its ~27 calls of the small frontier take a
    # second each, far within the per-call limit (60 s): 27 s of calls, far past the limit
    Benchmark.objects.filter(pk=frontier_dev.benchmark_id).update(soft_time_limit_s=10)
    submission = _submit(user, frontier_dev, SLOW_CALLS, dispatched, django_capture_on_commit_callbacks)
    assert (submission.status, submission.failure_kind) == (Submission.Status.FAILED, "timeout")
    assert "time_limit: the submission ran past its time limit of" in submission.error_message
    assert submission.quota_charged  # a timeout uses its quota, as the host's soft time limit does
    Benchmark.objects.filter(pk=frontier_dev.benchmark_id).update(soft_time_limit_s=900)
    again = _submit(user, frontier_dev, NOT_CAUSAL, dispatched, django_capture_on_commit_callbacks)
    assert again.failure_kind == "validation"  # the same worker process goes on evaluating
