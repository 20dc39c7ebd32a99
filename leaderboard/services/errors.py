"""Exceptions raised by the platform services, caught and rendered by the API, portal and commands."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from leaderboard.models import Phase
    from leaderboard.selectors.quotas import QuotaStatus


class ServiceError(Exception):
    """Base class of every refusal a service reports to its caller."""


class BenchmarkSpecError(ServiceError):
    """A plugin's declarations cannot be hosted; problems lists every one, naming the field."""

    def __init__(self, slug: str, problems: list[str]) -> None:
        self.slug = slug
        self.problems = list(problems)
        super().__init__(f"benchmark {slug!r} cannot be hosted: " + "; ".join(self.problems))


class SubmissionInputError(ServiceError):
    """One or more submission fields are invalid; field_errors maps field name -> messages."""

    def __init__(self, field_errors: dict[str, list[str]]) -> None:
        self.field_errors = {name: list(messages) for name, messages in field_errors.items()}
        text = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in self.field_errors.items())
        super().__init__(text or "invalid submission")


class UploadRefused(SubmissionInputError):
    """The benchmark's checks at upload found problems in the payload (``field``: upload or config);
    nothing was stored or queued and no quota was used. ``field_errors`` holds them with any others."""

    def __init__(self, field_errors: dict[str, list[str]], *, field: str, shown_name: str) -> None:
        super().__init__(field_errors)
        self.field, self.problems = field, list(field_errors.get(field, []))
        what = shown_name or ("the configuration" if field == "config" else "the upload")
        count = len(self.problems)
        self.summary = (
            f"{count} problem{'s' if count != 1 else ''} in {what} found at upload;"
            " nothing was stored or queued and no quota was used"
        )


class PayloadTooLarge(ServiceError):
    """The uploaded payload exceeds the phase's size cap."""

    def __init__(self, limit_bytes: int, size_bytes: int) -> None:
        self.limit_bytes = limit_bytes
        self.size_bytes = size_bytes
        super().__init__(f"payload of {size_bytes} bytes exceeds the limit of {limit_bytes} bytes")


class QuotaExceeded(ServiceError):
    """The user has no submissions left in this phase (today or in total)."""

    def __init__(self, quota: QuotaStatus) -> None:
        self.quota = quota
        if quota.total_remaining <= 0:
            text = f"total quota of {quota.total_limit} submissions for this phase is used up"
        else:
            until = f"{quota.resets_at:%Y-%m-%d %H:%M} UTC"
            text = f"daily quota of {quota.daily_limit} submissions is used up until {until}"
        super().__init__(text)


class PhaseClosed(ServiceError):
    """The phase does not accept submissions now."""

    def __init__(self, phase: Phase) -> None:
        self.phase = phase
        if not phase.is_hosted:
            super().__init__(
                f"phase {phase.slug} is not hosted on this deployment now ({phase.benchmark.slug} no longer "
                "declares it): no new submissions; its results stay readable"
            )
        else:
            super().__init__(f"phase {phase} is not open for submissions")


class NotAllowed(ServiceError):
    """The actor may not perform this action."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class InvalidTransition(ServiceError):
    """The submission's current status does not allow this action."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class BenchmarkDataError(ServiceError):
    """Building, importing or bundling a benchmark's data failed."""


class StorageUnavailable(ServiceError):
    """A storage area cannot take a write (full, read-only, missing); nothing was stored."""

    def __init__(self, *, area: str, reason: str, full: bool, what: str = "upload") -> None:
        self.area, self.reason, self.full = area, reason, full
        super().__init__(f"the {area} storage cannot take the {what} ({reason}); nothing was stored")


class AccountUnverified(ServiceError):
    """The account's e-mail address is not verified yet: it may sign in and read, not submit."""

    def __init__(self) -> None:
        super().__init__(
            "verify your account's e-mail address before submitting: open the link we mailed you, or ask for "
            "a new one on the page /accounts/verify/; nothing was stored and no quota was used"
        )


class VerificationLinkInvalid(ServiceError):
    """A verification link is expired, altered, or no longer matches its account."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)
