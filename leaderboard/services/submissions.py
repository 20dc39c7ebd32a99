"""submission_create: check the fields, size, phase, the benchmark's upload checks and the quota, then
store the payload, insert and enqueue."""

from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from leaderboard.models import Phase, Submission
from leaderboard.queueing import submission_enqueue
from leaderboard.selectors.accounts import account_is_verified
from leaderboard.selectors.formats import phase_code_refusal, phase_takes_extension
from leaderboard.selectors.quotas import quota_status
from leaderboard.services.errors import (
    AccountUnverified,
    PayloadTooLarge,
    PhaseClosed,
    QuotaExceeded,
    SubmissionInputError,
    UploadRefused,
)
from leaderboard.services.payloads import (
    StoredPayload,
    config_digest,
    config_problem,
    payload_delete,
    payload_extension,
    payload_store,
    payload_upload_size,
)
from leaderboard.services.prechecks import upload_precheck, upload_shown_name

METHOD_NAME_MAX = 120
DESCRIPTION_MAX = 10_000
URL_MAX = 200


def _check_text(errors: dict, *, method_name: str, description: str, paper_url: str, code_url: str) -> None:
    """Add the problems of the free-text fields (name, description, URLs) to `errors`."""
    if not method_name.strip():
        errors.setdefault("method_name", []).append("a method name is required")
    elif len(method_name.strip()) > METHOD_NAME_MAX:
        errors.setdefault("method_name", []).append(f"at most {METHOD_NAME_MAX} characters")
    if len(description) > DESCRIPTION_MAX:
        errors.setdefault("description", []).append(f"at most {DESCRIPTION_MAX} characters")
    validator = URLValidator(schemes=["http", "https"])
    for field, value in (("paper_url", paper_url), ("code_url", code_url)):
        if not value:
            continue
        if len(value) > URL_MAX:
            errors.setdefault(field, []).append(f"at most {URL_MAX} characters")
            continue
        try:
            validator(value)
        except ValidationError:
            errors.setdefault(field, []).append(f"not an http(s) URL: {value}")


def _accepted(phase: Phase) -> dict[str, list[str]]:
    """Accepted kinds of the phase's benchmark -> allowed extensions (empty list: any)."""
    kinds: dict[str, list[str]] = {}
    for fmt in phase.benchmark.formats or []:
        exts = [str(e).lower().lstrip(".") for e in fmt.get("extensions", [])]
        kinds.setdefault(str(fmt.get("kind", "")), []).extend(exts)
    return kinds


def _check_payload(errors: dict, *, phase: Phase, upload, config) -> str:
    """Validate the payload's shape; returns its kind ("file" or "config")."""
    kinds = _accepted(phase)
    if upload is not None and config is not None:
        errors.setdefault("upload", []).append("send either a file or a config, not both")
        return ""
    if upload is None and config is None:
        field = "config" if "config" in kinds and "file" not in kinds else "upload"
        errors.setdefault(field, []).append(f"a payload is required (accepted: {', '.join(sorted(kinds))})")
        return ""
    if upload is not None:
        if "file" not in kinds:
            errors.setdefault("upload", []).append("this benchmark accepts a JSON config, not a file")
            return ""
        ext = payload_extension(filename=getattr(upload, "name", "") or "")
        allowed = kinds["file"]
        shown_name = PurePath(getattr(upload, "name", "") or "").name or "the file"
        if allowed and ext not in allowed:
            shown = ", ".join(f".{e}" for e in allowed)
            errors.setdefault("upload", []).append(f"{shown_name}: expected {shown}")
        elif not phase_takes_extension(phase=phase, extension=ext):
            errors.setdefault("upload", []).append(phase_code_refusal(phase=phase, filename=shown_name))
        return "file"
    if "config" not in kinds:
        errors.setdefault("config", []).append("this benchmark accepts a file upload, not a JSON config")
    elif problem := config_problem(config=config):
        errors.setdefault("config", []).append(problem)
    return "config"


def _size_limit(phase: Phase, *, is_baseline: bool) -> int:
    """The upload cap: the phase's cap within the platform's (baselines: the platform's only)."""
    if is_baseline:
        return int(settings.UPLOAD_MAX_BYTES)
    return min(int(phase.max_upload_bytes), int(settings.UPLOAD_MAX_BYTES))


def _is_open(phase: Phase) -> bool:
    """Whether the phase is open, visible and its benchmark visible with ready data."""
    benchmark = phase.benchmark
    ready = benchmark.data_status == benchmark.DataStatus.READY
    return phase.is_open() and phase.is_visible and benchmark.is_visible and ready


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
    config: dict | None = None,
    is_public: bool = True,
    is_anonymous: bool = False,
    is_baseline: bool = False,
) -> Submission:
    """Create a queued submission; AccountUnverified, SubmissionInputError (UploadRefused: the benchmark's
    checks at upload), PayloadTooLarge, PhaseClosed or QuotaExceeded, each before anything is stored or
    charged."""
    if not is_baseline and not account_is_verified(user=owner):
        raise AccountUnverified()
    errors: dict[str, list[str]] = {}
    description, paper_url, code_url = description or "", paper_url or "", code_url or ""
    _check_text(
        errors, method_name=method_name or "", description=description, paper_url=paper_url, code_url=code_url
    )
    kind = _check_payload(errors, phase=phase, upload=upload, config=config)
    if errors.keys() & {"upload", "config"}:
        raise SubmissionInputError(errors)
    limit = _size_limit(phase, is_baseline=is_baseline)
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
            method_name=method_name.strip(),
            description=description,
            paper_url=paper_url,
            code_url=code_url,
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
    """Quota check and insert in one transaction under the owner's row lock; enqueue on commit."""
    with transaction.atomic():
        if not is_baseline:
            _lock_owner(owner)
            quota = quota_status(user=owner, phase=phase)
            if quota.exhausted:
                raise QuotaExceeded(quota)
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
            enqueued_at=now,
            dispatches=1,
            **fields,
        )
        submission.payload_file.name = stored.name
        submission.save()
        submission_enqueue(submission=submission)
    return submission
