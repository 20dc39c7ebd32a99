"""Baseline submissions: each benchmark's reference entries, owned by a system user and scored like any."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files import File

from evaluator.registry import benchmark_get
from leaderboard.models import Benchmark, Phase, Submission
from leaderboard.services.benchmarks import benchmark_data_dir
from leaderboard.services.submissions import submission_create

logger = logging.getLogger(__name__)
SYSTEM_USERNAME = "baselines"


def baseline_owner():
    """The system user that owns baseline submissions (created inactive, unusable password)."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=SYSTEM_USERNAME, defaults={"is_active": False})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _submit_one(*, owner, phase: Phase, baseline, public_dir: Path) -> Submission:
    """Create one baseline submission from the payload the baseline makes in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="baseline-") as work:
        payload = baseline.make_payload(public_dir, phase.slug, Path(work))
        common = dict(
            owner=owner,
            phase=phase,
            method_name=baseline.name,
            description=baseline.description,
            is_baseline=True,
            is_public=True,
        )
        if payload.file is not None:
            with open(payload.file, "rb") as fh:
                return submission_create(**common, upload=File(fh, name=Path(payload.file).name))
        return submission_create(**common, config=dict(payload.config or {}))


def baselines_submit(*, slug: str | None = None) -> list[Submission]:
    """Create the missing baseline submissions of one benchmark (or all with ready data) for the data in
    service; idempotent."""
    owner = baseline_owner()
    benchmarks = Benchmark.objects.filter(data_status=Benchmark.DataStatus.READY)
    if slug is not None:
        benchmarks = benchmarks.filter(slug=slug)
    created: list[Submission] = []
    for benchmark in benchmarks:
        public_dir = benchmark_data_dir(benchmark=benchmark) / "public"
        phases = {p.slug: p for p in benchmark.phases.filter(is_hosted=True).select_related("benchmark")}
        # Baselines made for retired data stay as they are; the data in service gets its own.
        existing = set(
            Submission.objects.filter(
                phase__benchmark=benchmark, owner=owner, is_baseline=True, data_id=benchmark.data_id
            ).values_list("phase__slug", "method_name")
        )
        for baseline in benchmark_get(benchmark.slug).baselines():
            for phase_slug in baseline.phases:
                phase = phases.get(phase_slug)
                if phase is None or (phase_slug, baseline.name) in existing:
                    continue
                created.append(
                    _submit_one(owner=owner, phase=phase, baseline=baseline, public_dir=public_dir)
                )
                existing.add((phase_slug, baseline.name))
    return created
