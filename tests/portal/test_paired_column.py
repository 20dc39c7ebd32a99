"""The leaderboard's "Δ to next" column: after the sorted column, ✓ on separated pairs, the rule stated."""

from __future__ import annotations

import re

import pytest
from sb_paired import paired_board

from evaluator.benchmarks.spare import spare_spec
from leaderboard.models import Phase
from leaderboard.services.benchmarks import benchmark_sync
from leaderboard.services.paired import PAIRED_RULE
from leaderboard.views.paired_cells import signed_text

PAGE = "/benchmarks/spare/?phase=track1-dev"


@pytest.fixture
def board(users):
    """Alpha (clearly above Bravo), Bravo and Charlie (apart by noise) on spare's track1-dev."""
    phase = Phase.objects.get(benchmark=benchmark_sync(spec=spare_spec()), slug="track1-dev")
    return paired_board(phase=phase, owner=users["owner"])


def _row(html: str, method: str) -> str:
    start = html.index(f">{method}<")
    return html[html.rfind("<tr", 0, start) : html.index("</tr>", start)]


def _cells(row: str) -> list[str]:
    return re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)


def _delta(row: str) -> str:
    """The row's Δ cell text, checked to come right after its PSNR-M cell."""
    cells = _cells(row)
    at = next(i for i, text in enumerate(cells) if text.startswith(("19.", "19.0")) and "[" in text)
    delta = re.search(r'<td class="num delta[^"]*" title="[^"]*">(.*?)</td>', row).group(1)
    assert cells[at + 1] == delta
    return delta


@pytest.mark.django_db
def test_delta_column_follows_the_sorted_column_with_a_mark_on_separated_pairs(client, board):
    html = client.get(PAGE).content.decode()
    start = html.index('id="leaderboard"')
    head = html[start : html.index("</thead>", start)]
    assert re.search(r"order_by=psnr_m&amp;[^>]*>PSNR-M.*?</th>\s*<th [^>]*id=\"delta-header\"", head, re.S)
    alpha, bravo, charlie = (_row(html, name) for name in ("Alpha", "Bravo", "Charlie"))
    assert _delta(alpha) == "+0.30 ✓" and 'class="num delta separated"' in alpha
    assert _delta(bravo) == "+0.01" and 'class="num delta"' in bravo
    assert _delta(charlie) == ""
    title = re.search(r'class="num delta separated" title="([^"]+)"', alpha).group(1)
    assert "minus Bravo&#x27;s: +0.30 dB, paired 95% interval [+0.2" in title
    assert "24 items in 6 groups" in title
    assert "separated: the interval excludes 0" in title


@pytest.mark.django_db
def test_page_states_the_paired_rule_once_and_only_with_the_column(client, board):
    html = client.get(PAGE).content.decode()
    assert html.count('id="paired-note"') == 1 and "paired bootstrap 95% interval" in PAIRED_RULE
    assert "over the same scenes and views" in html[html.index('id="paired-note"') :]
    plain = client.get(PAGE + "&order_by=psnr").content.decode()  # the items hold no psnr: no column
    assert 'id="delta-header"' not in plain and 'id="paired-note"' not in plain


def test_signed_text_puts_a_plus_on_positive_differences_only():
    assert [signed_text(value=v, fmt="{:.2f}") for v in (0.304, -0.1, 0.0, 0.001)] == [
        "+0.30", "-0.10", "0.00", "0.00"
    ]
