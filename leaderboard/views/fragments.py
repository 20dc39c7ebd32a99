"""Keys of cached page fragments: a digest of everything a fragment shows, so a cached copy is never stale."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from typing import Any

from django.template.loader import get_template
from django.utils import timezone

#: The template of the leaderboard table's rows (benchmark.html caches its output under rows_fragment_key).
ROWS_TEMPLATE = "leaderboard/rows.html"


@functools.cache
def _template_digest(name: str) -> str:
    """A digest of a template's source (a changed template never serves an older cached rendering)."""
    template = get_template(name)
    source = getattr(getattr(template, "template", template), "source", name)
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]


def rows_fragment_key(
    *,
    rows: Sequence[Any],
    columns: Sequence[Any],
    intervals: dict[str, tuple[str, str]],
    entry_path: str,
    deltas: Sequence[Any] = (),
) -> str:
    """The cache key of a page of leaderboard rows: the rows and columns as shown (frozen dataclasses,
    compared by value), the interval pairs, the "Δ to next" column (its place and cells), the entry address
    pattern, the time zone and the template."""
    parts = (
        _template_digest(ROWS_TEMPLATE),
        timezone.get_current_timezone_name(),
        entry_path,
        repr(tuple(columns)),
        repr(sorted(intervals.items())),
        repr(tuple(rows)),
        repr(tuple(deltas)),
    )
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
