"""Benchmarks and phases mirrored from the evaluator registry, and their data built or imported on disk."""

from __future__ import annotations

import logging
import shutil
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from evaluator.contract import BenchmarkSpec, ProgressFn, no_progress
from evaluator.hidden import BuildSeeds
from evaluator.registry import benchmark_get, benchmark_slugs
from evaluator.spec_check import spec_problems
from leaderboard.models import Benchmark, Phase
from leaderboard.selectors.formats import benchmark_code_extensions
from leaderboard.services.board_inputs import benchmark_board_inputs, leaderboards_refresh
from leaderboard.services.data_changes import data_id_for, submissions_carry_over
from leaderboard.services.errors import BenchmarkDataError, BenchmarkSpecError
from leaderboard.services.hidden_secret import (
    BuildRecord,
    build_record_write,
    hidden_key,
    hidden_secret_check,
)
from leaderboard.services.holds import submissions_release
from leaderboard.services.transitions import submissions_cancel_waiting
from leaderboard.specrows import curve_row, format_row, metric_row

logger = logging.getLogger(__name__)
DataStatus = Benchmark.DataStatus


def benchmark_data_dir(*, benchmark: Benchmark) -> Path:
    """DATA_ROOT/<slug>/<version>: holds public/ and hidden/ (private, never served)."""
    return Path(settings.DATA_ROOT) / benchmark.slug / benchmark.version


def _spec_fields(spec: BenchmarkSpec) -> dict:
    """The Benchmark row fields mirrored from an evaluator spec."""
    return {
        "version": spec.version,
        "title": spec.title,
        "description": spec.description,
        "metrics": [
            *(metric_row(m) for m in spec.metrics),
            *(metric_row(m, item=True) for m in spec.item_metrics),
        ],
        "ranking_metric": spec.ranking_metric,
        "pareto_x": spec.pareto_axes[0],
        "pareto_y": spec.pareto_axes[1],
        "curves": [curve_row(c) for c in spec.curves],
        "formats": [format_row(f) for f in spec.formats],
        "needs_gpu": spec.needs_gpu,
        "soft_time_limit_s": spec.soft_time_limit_s,
    }


def benchmark_references(*, slug: str) -> list[str] | None:
    """Names of the registered benchmark's reference baselines (Baseline.reference); None if unregistered."""
    try:
        plugin = benchmark_get(slug)
    except ValueError:
        return None
    return sorted(baseline.name for baseline in plugin.baselines() if baseline.reference)


@dataclass(frozen=True)
class BenchmarkSynced:
    """A synced benchmark and, per phase this sync closed, how many waiting submissions it cancelled."""

    benchmark: Benchmark
    closed: Mapping[str, int]


def benchmark_sync(
    *, spec: BenchmarkSpec, display_order: int = 0, references: list[str] | None = None
) -> Benchmark:
    """Create or update one benchmark and its phases from `spec`; host edits (visibility, order, phase
    dates, limits, private policy) are never overwritten once the rows exist. A phase the spec no longer
    lists is kept but closed to new submissions (Phase.is_hosted), its waiting submissions cancelled
    (phases_hosted_mark), and reopened when listed again.
    BenchmarkSpecError names every problem of the spec, before anything is written.

    references: the names of its reference baselines (default: the registered plugin's; an unregistered
    slug keeps what the row has). A change rebuilds the boards (reference rows are unranked)."""
    return _sync(spec=spec, display_order=display_order, references=references).benchmark


def _sync(*, spec: BenchmarkSpec, display_order: int, references: list[str] | None) -> BenchmarkSynced:
    """benchmark_sync, also naming the phases it closed with their cancelled submission counts."""
    problems = spec_problems(spec)
    if problems:
        raise BenchmarkSpecError(spec.slug, problems)
    if references is None:
        references = benchmark_references(slug=spec.slug)
    with transaction.atomic():
        benchmark, created = Benchmark.objects.select_for_update().get_or_create(
            slug=spec.slug, defaults={**_spec_fields(spec), "display_order": display_order}
        )
        board_inputs = benchmark_board_inputs(benchmark=benchmark)
        took_code = not created and bool(benchmark_code_extensions(benchmark=benchmark))
        if not created:
            for name, value in _spec_fields(spec).items():
                setattr(benchmark, name, value)
        if references is not None:
            benchmark.reference_baselines = sorted(references)
        data_dir = benchmark_data_dir(benchmark=benchmark)
        ready = (data_dir / "public").is_dir() and (data_dir / "hidden").is_dir()
        if ready:
            hidden_secret_check(data_dir=data_dir)
        if benchmark.data_status == DataStatus.READY and not ready:
            benchmark.data_status = DataStatus.MISSING
        elif benchmark.data_status == DataStatus.MISSING and ready:
            benchmark.data_status = DataStatus.READY
        previous_data_id = benchmark.data_id
        in_service = benchmark.data_status == DataStatus.READY
        benchmark.data_id = data_id_for(version=benchmark.version, data_dir=data_dir) if in_service else ""
        benchmark.save()
        for order, phase_spec in enumerate(spec.phases):
            phase, phase_created = Phase.objects.get_or_create(
                benchmark=benchmark,
                slug=phase_spec.slug,
                defaults={
                    "title": phase_spec.title,
                    "description": phase_spec.description,
                    "daily_limit": phase_spec.daily_limit,
                    "total_limit": phase_spec.total_limit,
                    "max_upload_bytes": phase_spec.max_upload_bytes,
                    "has_private_split": phase_spec.has_private_split,
                    "needs_gpu": phase_spec.needs_gpu,
                    "accepts_code": phase_spec.accepts_code,
                    "display_order": order,
                },
            )
            declared = (phase_spec.title, phase_spec.description, phase_spec.needs_gpu)
            if not phase_created and (phase.title, phase.description, phase.needs_gpu) != declared:
                phase.title, phase.description, phase.needs_gpu = declared
                phase.save(update_fields=["title", "description", "needs_gpu"])
            if not phase_created and not took_code and phase.accepts_code != phase_spec.accepts_code:
                # The benchmark has just begun to take code: its declaration applies, then the host's edits.
                phase.accepts_code = phase_spec.accepts_code
                phase.save(update_fields=["accepts_code"])
        closed = phases_hosted_mark(benchmark=benchmark, declared=[p.slug for p in spec.phases])
        data_changed = benchmark.data_id != previous_data_id
        # In the sync's transaction: a failed rebuild leaves the old inputs, so the next sync sees the change.
        if data_changed or benchmark_board_inputs(benchmark=benchmark) != board_inputs:
            leaderboards_refresh(benchmark=benchmark)
    if data_changed:
        submissions_carry_over(benchmark=benchmark)
    submissions_release(benchmark_id=benchmark.pk)  # those held while the data was missing
    return BenchmarkSynced(benchmark=benchmark, closed=closed)


def phases_hosted_mark(*, benchmark: Benchmark, declared: list[str]) -> dict[str, int]:
    """Open the phases the spec declares and close those it no longer declares (a hosted phase whose
    setting was removed): closed to new submissions, and their waiting (queued or held) submissions
    cancelled with their quota refunded (submissions_cancel_waiting). Running ones finish and are scored;
    finished ones and the boards stay, readable. Reopening resurrects nothing.

    Returns, per phase closed now, how many waiting submissions were cancelled."""
    phases = Phase.objects.filter(benchmark=benchmark)
    reopened = phases.filter(slug__in=declared, is_hosted=False).update(is_hosted=True)
    withdrawn = list(phases.exclude(slug__in=declared).filter(is_hosted=True).values_list("pk", "slug"))
    closed = {}
    for pk, slug in withdrawn:
        Phase.objects.filter(pk=pk).update(is_hosted=False)
        message = (
            f"cancelled before scoring: phase {slug} was closed by its benchmark {benchmark.slug} (no longer"
            " declared on this deployment); your quota was refunded"
        )
        closed[slug] = submissions_cancel_waiting(phase_id=pk, message=message)
    if closed:
        logger.info(
            "%s: phases no longer declared, closed to new submissions (waiting submissions cancelled): %s",
            benchmark.slug,
            closed,
        )
    if reopened:
        logger.info("%s: %d declared phases hosted again", benchmark.slug, reopened)
    return closed


def benchmark_sync_all() -> list[BenchmarkSynced]:
    """Sync every registered benchmark (registry order = default display order); each with the phases
    the sync closed and their cancelled submission counts."""
    return [
        _sync(spec=benchmark_get(slug).spec, display_order=i, references=None)
        for i, slug in enumerate(benchmark_slugs())
    ]


def _produce(*, slug: str, force: bool, record: BuildRecord, make: Callable[[Path], None]) -> Benchmark:
    """Run `make` into a staging folder, then swap it in as the data dir (previous data kept on failure).

    The data folder gets its build record; when the data in service changed, boards and carried-over
    submissions follow (leaderboards_refresh, submissions_carry_over)."""
    benchmark = Benchmark.objects.get(slug=slug)
    target = benchmark_data_dir(benchmark=benchmark)
    if target.exists() and not force and benchmark.data_status == DataStatus.READY:
        return benchmark
    if target.exists():
        hidden_secret_check(data_dir=target)
    building = {"data_status": DataStatus.BUILDING, "data_error": "", "data_stage": ""}
    Benchmark.objects.filter(pk=benchmark.pk).update(**building)
    staging = target.parent / f".staging-{benchmark.version}-{uuid.uuid4().hex[:8]}"
    staging.mkdir(parents=True)
    try:
        make(staging)
        if not (staging / "public").is_dir() or not (staging / "hidden").is_dir():
            raise BenchmarkDataError(f"{slug}: the build wrote no public/ and hidden/ folders")
        build_record_write(data_dir=staging, record=record)
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    except Exception as exc:
        shutil.rmtree(staging, ignore_errors=True)
        # A failed rebuild keeps the previous data in service.
        status = DataStatus.READY if (target / "public").is_dir() else DataStatus.FAILED
        Benchmark.objects.filter(pk=benchmark.pk).update(data_status=status, data_error=str(exc)[:4000])
        if isinstance(exc, BenchmarkDataError):
            raise
        raise BenchmarkDataError(f"{slug}: {exc}") from exc
    data_id = data_id_for(version=benchmark.version, data_dir=target)
    with transaction.atomic():  # the new data id and the boards on it commit together (or neither)
        Benchmark.objects.filter(pk=benchmark.pk).update(
            data_status=DataStatus.READY, data_origin=record.origin[:500], data_error="", data_id=data_id
        )
        if data_id != benchmark.data_id:
            leaderboards_refresh(benchmark=benchmark)
    previous_data_id = benchmark.data_id
    benchmark.refresh_from_db()
    if benchmark.data_id != previous_data_id:
        submissions_carry_over(benchmark=benchmark)
    submissions_release(benchmark_id=benchmark.pk)  # those held while the data was missing or building
    return benchmark


def benchmark_data_build(*, slug: str, force: bool = False, progress: ProgressFn | None = None) -> Benchmark:
    """Build the benchmark's data into DATA_ROOT/<slug>/<version>/ (skip if ready): public items from
    BUILD_SEED, hidden items from the deployment secret scoped to the benchmark and version."""
    plugin = benchmark_get(slug)
    seed = int(settings.BUILD_SEED)
    key = hidden_key(slug=slug, version=plugin.spec.version)
    record = BuildRecord(origin=f"generated:{seed}", public_seed=seed, secret_id=key.key_id)

    def make(out_dir: Path) -> None:
        report = build_progress_recorder(slug=slug, then=progress)
        plugin.build(out_dir, seeds=BuildSeeds(public=seed, hidden=key), progress=report)

    return _produce(slug=slug, force=force, record=record, make=make)


def build_progress_recorder(*, slug: str, then: ProgressFn | None, every_s: float = 1.0) -> ProgressFn:
    """A progress callback that records the build's percent and stage on the benchmark row (for its
    pages; at most once per ``every_s`` seconds, and always at 100%), then calls ``then``."""
    last = [0.0]

    def report(fraction: float, stage: str) -> None:
        now = time.monotonic()
        if fraction >= 1.0 or now - last[0] >= every_s:
            last[0] = now
            text = f"{round(100 * min(max(fraction, 0.0), 1.0))}% {stage}"[:200]
            Benchmark.objects.filter(slug=slug).update(data_stage=text)
        (then or no_progress)(fraction, stage)

    return report


def benchmark_data_import(*, slug: str, source: Path, progress: ProgressFn | None = None) -> Benchmark:
    """Import a real dataset from `source` through the benchmark's import_data (always replaces)."""
    plugin = benchmark_get(slug)
    source = Path(source).resolve()
    if not source.is_dir():
        raise BenchmarkDataError(f"{source} is not a directory")
    key = hidden_key(slug=slug, version=plugin.spec.version)
    record = BuildRecord(origin=f"imported:{source}", public_seed=None, secret_id=key.key_id)

    def make(out_dir: Path) -> None:
        plugin.import_data(source, out_dir, hidden=key, progress=progress or no_progress)

    return _produce(slug=slug, force=True, record=record, make=make)
