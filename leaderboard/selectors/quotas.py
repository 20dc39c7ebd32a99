"""Quota reads: how many submissions a user has used and has left in a phase, today and in total."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from leaderboard.models import Phase, Submission


@dataclass(frozen=True)
class QuotaStatus:
    """Limits, usage and what is left for one user in one phase; the daily count resets at resets_at (UTC)."""

    daily_limit: int
    daily_used: int
    daily_remaining: int
    total_limit: int
    total_used: int
    total_remaining: int
    resets_at: dt.datetime

    @property
    def exhausted(self) -> bool:
        """Whether no submission is left (today or in total)."""
        return self.daily_remaining <= 0 or self.total_remaining <= 0


def quota_day_bounds(*, now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """Start of the current UTC day and the start of the next one."""
    now = (now or timezone.now()).astimezone(dt.UTC)
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + dt.timedelta(days=1)


def quota_status(*, user, phase: Phase, now: dt.datetime | None = None) -> QuotaStatus:
    """Charged submissions of `user` in `phase` (one query); refunded ones do not count."""
    day_start, resets_at = quota_day_bounds(now=now)
    used = Submission.objects.filter(owner_id=user.pk, phase_id=phase.pk, quota_charged=True).aggregate(
        total=Count("id"), daily=Count("id", filter=Q(created_at__gte=day_start))
    )
    daily_used, total_used = used["daily"], used["total"]
    return QuotaStatus(
        daily_limit=phase.daily_limit,
        daily_used=daily_used,
        daily_remaining=max(0, phase.daily_limit - daily_used),
        total_limit=phase.total_limit,
        total_used=total_used,
        total_remaining=max(0, phase.total_limit - total_used),
        resets_at=resets_at,
    )
