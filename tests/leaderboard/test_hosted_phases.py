"""The local-model phases (frontier test-hf, vdit-e2e test-real) exist only where the deployment names
a model; a GPU worker that lacks it fails the submission as a platform error (quota refunded) naming
the setting."""

from __future__ import annotations

import re
import shlex
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

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
