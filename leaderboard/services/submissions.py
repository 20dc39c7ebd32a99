"""submission_create: check the fields, size, phase, the benchmark's upload checks and the quota, then
store the payload, insert and enqueue."""

from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from leaderboard.models import Phase, Submission
from leaderboard.queueing import submission_enqueue
from leaderboard.selectors.accounts import account_is_verified
from leaderboard.selectors.quotas import quota_status
from leaderboard.services.errors import (
    AccountUnverified,
    PayloadTooLarge,
    PhaseClosed,
    QuotaExceeded,
    SubmissionInputError,
    UploadRefused,
)
from leaderboard.services.holds import HOLD_STAGE, phase_holds_submissions
from leaderboard.services.payloads import (
    StoredPayload,
    config_digest,
    payload_delete,
    payload_store,
    payload_upload_size,
)
from leaderboard.services.prechecks import upload_precheck, upload_shown_name
from leaderboard.services.submission_rules import submission_input_check


def submission_upload_limit(*, phase: Phase, is_baseline: bool = False) -> int:
    """The upload cap: the phase's cap within the platform's (baselines: the platform's only)."""
    if is_baseline:
        return int(settings.UPLOAD_MAX_BYTES)
    return min(int(phase.max_upload_bytes), int(settings.UPLOAD_MAX_BYTES))


def _is_open(phase: Phase) -> bool:
    """Whether the phase is open, visible and its benchmark visible with its data ready, or missing or
    building (the submission is then held until the data is ready; a failed build refuses it)."""
    benchmark = phase.benchmark
    takes = benchmark.data_status == benchmark.DataStatus.READY or phase_holds_submissions(phase=phase)
    return phase.is_open() and phase.is_visible and benchmark.is_visible and takes


def _check_open(phase: Phase) -> None:
    """Raise PhaseClosed unless the phase takes submissions now (see _is_open)."""
    if not _is_open(phase):
        raise PhaseClosed(phase)


def _precheck(errors: dict, *, phase: Phase, kind: str, upload, config, limit: int) -> None:
    """Raise UploadRefused with every problem the benchmark's checks at upload find (before storage),
    next to the other fields' `errors`."""
    problems = upload_precheck(
        phase=phase, upload=upload if kind == "file" else None, config=config, limit_bytes=limit
    )
    if problems:
        field = "upload" if kind == "file" else "config"
        shown = upload_shown_name(upload=upload) if kind == "file" else ""
        raise UploadRefused({**errors, field: problems}, field=field, shown_name=shown)


def _lock_owner(owner) -> None:
    """Serialise quota checks of one user (row lock on PostgreSQL; SQLite's IMMEDIATE mode already does)."""
    get_user_model().objects.select_for_update().filter(pk=owner.pk).values_list("pk", flat=True).get()


def submission_create(
    *,
    owner,
    phase: Phase,
    method_name: str,
    description: str = "",
    paper_url: str = "",
    code_url: str = "",
    upload=None,
    config: dict | str | None = None,
    is_public: bool = True,
    is_anonymous: bool = False,
    is_baseline: bool = False,
    upload_parts: int | None = None,
    config_parts: int | None = None,
) -> Submission:
    """Create a queued submission; AccountUnverified, SubmissionInputError (UploadRefused: the benchmark's
    checks at upload), PayloadTooLarge, PhaseClosed or QuotaExceeded, each before anything is stored or
    charged. The fields are judged by submission_rules (``config`` may be the JSON text as sent,
    ``*_parts`` the number of form parts sent for it)."""
    if not is_baseline and not account_is_verified(user=owner):
        raise AccountUnverified()
    fields, errors = submission_input_check(
        phase=phase,
        method_name=method_name,
        description=description,
        paper_url=paper_url,
        code_url=code_url,
        upload=upload,
        config=config,
        upload_parts=upload_parts,
        config_parts=config_parts,
    )
    kind, upload, config = fields.kind, fields.upload, fields.config
    if errors.keys() & {"upload", "config"}:
        raise SubmissionInputError(errors)
    limit = submission_upload_limit(phase=phase, is_baseline=is_baseline)
    stored = config_digest(config=config) if kind == "config" else None
    declared = stored.size if stored else payload_upload_size(upload=upload)
    if errors:  # the text fields only: answered with the payload's problems, where they can be checked now
        if not is_baseline and (declared is None or declared <= limit) and _is_open(phase):
            _precheck(errors, phase=phase, kind=kind, upload=upload, config=config, limit=limit)
        raise SubmissionInputError(errors)
    if declared is not None and declared > limit:
        raise PayloadTooLarge(limit, declared)
    if not is_baseline:
        _check_open(phase)
        _precheck({}, phase=phase, kind=kind, upload=upload, config=config, limit=limit)
        quota = quota_status(user=owner, phase=phase)
        if quota.exhausted:
            raise QuotaExceeded(quota)
    if kind == "file":
        folder = f"{phase.benchmark.slug}/{phase.slug}"
        stored = payload_store(upload=upload, folder=folder, limit_bytes=limit)
    try:
        return _insert(
            owner=owner,
            phase=phase,
            kind=kind,
            stored=stored,
            upload=upload,
            config=config,
            method_name=fields.method_name,
            description=fields.description,
            paper_url=fields.paper_url,
            code_url=fields.code_url,
            is_public=is_public,
            is_anonymous=is_anonymous,
            is_baseline=is_baseline,
        )
    except BaseException:
        payload_delete(name=stored.name)
        raise


def _insert(
    *, owner, phase, kind, stored: StoredPayload, upload, config, is_baseline, **fields
) -> Submission:
    """Quota check and insert in one transaction under the owner's row lock; enqueue on commit, or hold it
    while the benchmark's data is missing or building (read in the same transaction as the insert, so a
    build finishing meanwhile either sees the held row or this sees the ready data)."""
    with transaction.atomic():
        if not is_baseline:
            _lock_owner(owner)
            quota = quota_status(user=owner, phase=phase)
            if quota.exhausted:
                raise QuotaExceeded(quota)
        phase.benchmark.refresh_from_db(fields=["data_status", "data_id"])
        held = phase_holds_submissions(phase=phase)
        now = timezone.now()
        submission = Submission(
            owner=owner,
            phase=phase,
            payload_kind=kind,
            payload_name=PurePath(getattr(upload, "name", "") or "").name[-255:] if kind == "file" else "",
            payload_config=config if kind == "config" else None,
            payload_sha256=stored.sha256,
            payload_size=stored.size,
            data_id=phase.benchmark.data_id,
            quota_charged=not is_baseline,
            is_baseline=is_baseline,
            created_at=now,
            enqueued_at=None if held else now,
            dispatches=0 if held else 1,
            stage=HOLD_STAGE if held else "",
            **fields,
        )
        submission.payload_file.name = stored.name
        submission.save()
        if not held:
            submission_enqueue(submission=submission)
    return submission
