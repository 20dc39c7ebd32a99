"""The local-model phases (frontier test-hf, vdit-e2e test-real) exist only where the deployment names
a model; a GPU worker that lacks it fails the submission as a platform error (quota refunded) naming
the setting."""

from __future__ import annotations

import json
import re
import shlex
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from evaluator import registry
from leaderboard.models import LeaderboardEntry, Phase, Score, Submission
from leaderboard.selectors import quota_status, submission_waiting
from leaderboard.services import (
    PhaseClosed,
    benchmark_data_build,
    benchmark_sync,
    leaderboard_rebuild,
    submission_create,
    submission_evaluate,
    token_create,
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


def _scored_entry(*, phase: Phase, owner) -> Submission:
    """A scored, listed submission of ``phase`` on the data in service, with its leaderboard entry."""
    benchmark = phase.benchmark
    values = {m["name"]: 0.5 for m in benchmark.metrics if not m.get("item")}
    submission = Submission.objects.create(
        owner=owner, phase=phase, method_name="scored-before", payload_kind="config", payload_config={},
        payload_sha256="0" * 64, status=Submission.Status.SCORED, progress=1.0, data_id=benchmark.data_id,
    )  # fmt: skip
    Score.objects.create(
        submission=submission, split="public", protocol_version="1", metrics=values, data_id=benchmark.data_id
    )
    leaderboard_rebuild(phase=phase)
    return submission


@pytest.mark.parametrize(("slug", "phase_slug", "variable", "config"), HOSTED)
def test_local_model_phase_closes_when_its_setting_is_removed_keeps_its_results_and_reopens(
    slug, phase_slug, variable, config, user, client, monkeypatch, fresh_registry, private_roots, dispatched,
):  # fmt: skip
    monkeypatch.setenv(variable, str(private_roots / "model"))
    benchmark = _synced(slug)
    benchmark_data_build(slug=slug)
    phase = Phase.objects.select_related("benchmark").get(benchmark=benchmark, slug=phase_slug)
    queued = submission_create(owner=user, phase=phase, method_name="queued-before", config=config)
    scored = _scored_entry(phase=phase, owner=user)
    assert LeaderboardEntry.objects.filter(phase=phase, submission=scored).exists()

    monkeypatch.delenv(variable)
    _synced(slug)
    phase.refresh_from_db()
    assert not phase.is_hosted and not phase.is_open()
    others = Phase.objects.filter(benchmark=benchmark).exclude(slug=phase_slug)
    assert others.exists() and all(p.is_hosted for p in others)  # only the phase the spec dropped closes
    message = f"phase {phase_slug} is not hosted on this deployment now"
    with pytest.raises(PhaseClosed, match=message):
        submission_create(owner=user, phase=phase, method_name="after", config=config)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_create(user=user)}")
    sent = {"benchmark": slug, "phase": phase_slug, "method_name": "after", "config": json.dumps(config)}
    response = api.post("/api/v1/submissions/", sent)
    assert response.status_code == 403 and message in response.json()["detail"]
    listed = {p["slug"]: p for p in api.get(f"/api/v1/benchmarks/{slug}/").json()["phases"]}
    assert (listed[phase_slug]["is_open"], listed[phase_slug]["is_hosted"]) == (False, False)
    client.force_login(user)
    page = client.get(f"/benchmarks/{slug}/submit/?phase={phase_slug}").content.decode()
    assert message in page
    offered = client.get(f"/benchmarks/{slug}/submit/").content.decode()
    assert f"?phase={phase_slug}" not in offered  # not offered for new submissions
    board = client.get(f"/benchmarks/{slug}/?phase={phase_slug}")
    assert board.status_code == 200 and "scored-before" in board.content.decode()  # results readable
    # Nothing lost, nothing added, no quota charged by the refusals; the waiting one cancelled, refunded.
    kept = set(Submission.objects.filter(phase=phase).values_list("pk", flat=True))
    assert kept == {queued.pk, scored.pk}
    assert LeaderboardEntry.objects.filter(phase=phase, submission=scored).exists()
    queued.refresh_from_db()
    assert (queued.status, queued.quota_charged) == (Submission.Status.CANCELLED, False)
    assert f"phase {phase_slug} was closed by its benchmark {slug}" in queued.error_message
    assert quota_status(user=user, phase=phase).daily_used == 1

    monkeypatch.setenv(variable, str(private_roots / "model"))
    _synced(slug)
    phase.refresh_from_db()
    assert phase.is_hosted and phase.is_open()
    again = submission_create(owner=user, phase=phase, method_name="after", config=config)
    assert Submission.objects.filter(phase=phase).count() == 3 and again.phase_id == phase.pk
    assert Submission.objects.get(pk=queued.pk).status == Submission.Status.CANCELLED  # not resurrected


DOCUMENTED = [
    ("docs/FRONTIER_TASKS.md", "## The hosted phase `test-hf`", "frontier", "test-hf",
     "/path/to/local-model"),
    ("docs/VIDEO_MODELS.md", "## The hosted phase `test-real`", "vdit-e2e", "test-real",
     "/models/Wan2.1-T2V-1.3B-Diffusers"),
]  # fmt: skip


def _documented(doc: str, heading: str) -> list[str]:
    """The lines of the ```sh blocks of manage.py commands in the section under ``heading`` of ``doc``."""
    text = (Path(__file__).resolve().parents[2] / doc).read_text(encoding="utf-8")
    section = text.split(heading, 1)[1].split("\n## ")[0]
    blocks = [b for b in re.findall(r"```sh\n(.*?)```", section, flags=re.S) if "manage.py" in b]
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


@pytest.mark.parametrize(("doc", "heading", "slug", "phase_slug", "documented_path"), DOCUMENTED)
def test_documented_commands_host_the_phase_and_queue_its_baselines_on_the_gpu(
    doc, heading, slug, phase_slug, documented_path, db, monkeypatch, fresh_registry, private_roots,
    dispatched, django_capture_on_commit_callbacks,
):  # fmt: skip
    """Each line runs as written: `export NAME=VALUE` (the path swapped for a test folder), then the
    `python manage.py ...` commands in this process's test database."""
    lines = _documented(doc, heading)
    assert lines[0].startswith("export ") and documented_path in lines[0]
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        for line in lines:
            if line.startswith("export "):
                name, _, value = line.removeprefix("export ").partition("=")
                monkeypatch.setenv(name, value.replace(documented_path, str(private_roots / "model")))
                registry.benchmark_get.cache_clear()
                continue
            program, *args = shlex.split(line)
            assert (program, args[0]) == ("python", "manage.py"), line
            call_command(*args[1:], stdout=out)
    assert f", {phase_slug}" in out.getvalue()  # benchmark_sync lists the phase
    phase = Phase.objects.get(benchmark__slug=slug, slug=phase_slug)
    baselines = Submission.objects.filter(phase=phase, is_baseline=True)
    assert baselines.filter(method_name="Dense").exists() and baselines.count() >= 4
    queues = {d.queue for d in dispatched if d.submission_id in set(baselines.values_list("pk", flat=True))}
    assert queues == {"gpu-baselines"}
