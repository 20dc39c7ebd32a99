"""Performance pages read as current figures (one table per target, with command and machine) and a dated
changelog below, newest first: every page is checked, so a diary-style section fails."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PAGES = ["docs/PERFORMANCE.md", *sorted(str(p.relative_to(REPO)) for p in (REPO / "docs/perf").glob("*.md"))]
ENTRY = re.compile(r"^## (\d{4}-\d{2}-\d{2} \d{2}:\d{2}) UTC: \S", flags=re.M)


@pytest.mark.parametrize("page", PAGES)
def test_a_performance_page_has_current_figures_then_a_dated_changelog(page):
    text = (REPO / page).read_text(encoding="utf-8")
    current, changelog = text.split("\n# Changelog\n")
    assert "\n## Current figures\n" in current and "\n# " not in changelog
    intro = current.split("\n## Current figures\n")[0]
    assert not re.search(r"^##", intro, flags=re.M), f"{page}: only a short intro above Current figures"
    tables = current.split("\n## Current figures\n")[1]
    headers = re.findall(r"^\|(.+)\|\s*$\n^\|[-| ]+\|\s*$", tables, flags=re.M)
    assert headers, f"{page}: no table under Current figures"
    for header in headers:
        cells = [c.strip() for c in header.split("|")]
        assert {"target", "met?", "command", "machine / load"} <= set(cells), f"{page}: columns {cells}"
    dates = ENTRY.findall(changelog)
    headings = re.findall(r"^## .*$", changelog, flags=re.M)
    assert dates and len(dates) == len(headings), f"{page}: entries are '## YYYY-MM-DD HH:MM UTC: title'"
    assert dates == sorted(dates, reverse=True), f"{page}: changelog entries newest first"


def test_every_performance_page_is_checked():
    assert "docs/PERFORMANCE.md" in PAGES and len(PAGES) >= 7, PAGES
