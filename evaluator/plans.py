"""Looking up a benchmark's phase plan by slug (the plans are each benchmark's own dataclasses)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar


class _Slugged(Protocol):
    slug: str


PlanT = TypeVar("PlanT", bound=_Slugged)


def plan_named(plans: Sequence[PlanT], slug: str, *, benchmark: str) -> PlanT:
    """The plan of phase ``slug``; ValueError names an unknown one and the known ones."""
    for plan in plans:
        if plan.slug == slug:
            return plan
    raise ValueError(f"unknown {benchmark} phase {slug!r}; known: {[p.slug for p in plans]}")
