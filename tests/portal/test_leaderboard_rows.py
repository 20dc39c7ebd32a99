"""The leaderboard rows come from templates/leaderboard/rows.html (not strings built in the view), cached as a
fragment keyed by what it shows: a changed row, column or template is never served from an older copy."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import caches
from django.core.cache.utils import make_template_fragment_key
from django.template.loader import render_to_string
from django.utils import timezone

from evaluator.contract import MetricSpec
from leaderboard.selectors import LeaderboardRow
from leaderboard.services import submission_set_hidden
from leaderboard.views.benchmarks import leaderboard_table_rows
from leaderboard.views.display import Cell

PSNR = MetricSpec(name="psnr", label="PSNR", unit="dB", higher_is_better=True, fmt="{:.2f}")
DAY = dt.datetime(2026, 3, 4, 12, 0, tzinfo=dt.UTC)


def _row(**fields) -> LeaderboardRow:
    values = {
        "rank": 1, "submission_id": 7, "method_name": "OliveSplat", "submitter": "olive",
        "is_baseline": False,
        "metrics": {"psnr": 30.5, "psnr_lo": 30.0, "psnr_hi": 31.0}, "paper_url": "", "code_url": "",
        "submitted_at": DAY, "is_reference": False,
    }  # fmt: skip
    values.update(fields)
    return LeaderboardRow(**values)


def _render(rows: list[dict]) -> list[str]:
    return [line for line in render_to_string("leaderboard/rows.html", {"rows": rows}).splitlines() if line]


def test_rows_template_renders_a_ranked_row_with_links_and_an_interval_cell():
    row = _row(paper_url="https://example.org/p?a=1&b=2", code_url="https://example.org/c")
    rows = leaderboard_table_rows(rows=[row], metrics=[PSNR], intervals={"psnr": ("psnr_lo", "psnr_hi")})
    day = timezone.localtime(DAY).strftime("%Y-%m-%d")
    assert _render(rows) == [
        '<tr class=""><td>1</td><td><a class="entry" href="/submissions/7/">OliveSplat</a> '
        ' <a class="small" href="https://example.org/p?a=1&amp;b=2" rel="nofollow noopener">paper</a>'
        ' <a class="small" href="https://example.org/c" rel="nofollow noopener">code</a></td><td>olive</td>'
        f'<td class="num">30.50 [30.00, 31.00]</td><td class="small">{day}</td></tr>'
    ]


def test_rows_template_marks_reference_and_baseline_rows_and_escapes_every_value():
    reference = _row(rank=None, submission_id=8, method_name="Constant <grey>", submitter="baseline",
                     is_baseline=True, is_reference=True, metrics={"psnr": None})  # fmt: skip
    baseline = _row(
        rank=2, submission_id=9, method_name='Nearest"View', submitter="baseline", is_baseline=True
    )
    rows = leaderboard_table_rows(rows=[reference, baseline], metrics=[PSNR])
    rows[0]["cells"] = [Cell(text="n/a", note='not measured for <file> "submissions"', is_na=True)]
    first, second = _render(rows)
    assert first.startswith('<tr class="reference"><td>–</td>')
    tag = '<span class="tag reference" title="a trivial reference, not ranked">'
    assert f">Constant &lt;grey&gt;</a> {tag}" in first
    note = "not measured for &lt;file&gt; &quot;submissions&quot;"
    assert f'<td class="num na" title="{note}">n/a</td>' in first
    assert second.startswith('<tr class="baseline"><td>2</td>')
    assert '>Nearest&quot;View</a> <span class="tag">baseline</span></td>' in second
    assert '<td class="num">30.50</td>' in second  # no interval columns asked for: the value alone


@pytest.mark.django_db
def test_benchmark_page_rows_come_from_the_cached_fragment_until_a_row_changes(client, entries, users):
    caches["fragments"].clear()
    first = client.get("/benchmarks/toy/")
    key = make_template_fragment_key("leaderboard-rows", [first.context["rows_key"]])
    assert "OliveSplat" in caches["fragments"].get(key)
    caches["fragments"].set(key, '<tr class="" id="from-cache"></tr>')
    again = client.get("/benchmarks/toy/").content.decode()
    assert 'id="from-cache"' in again and "OliveSplat" not in again.split('id="leaderboard"', 1)[1]
    other_order = client.get("/benchmarks/toy/?order_by=lpips&dir=asc")  # the same rows, another order
    assert other_order.context["rows_key"] != first.context["rows_key"]
    assert 'id="from-cache"' not in other_order.content.decode()
    submission_set_hidden(submission=entries["theirs"], actor=users["staff"], hidden=True)
    changed = client.get("/benchmarks/toy/")
    html = changed.content.decode()
    assert changed.context["rows_key"] != first.context["rows_key"]
    assert 'id="from-cache"' not in html and "OliveSplat" in html and "OscarField" not in html
