"""Pages: a reference baseline is a marked, unranked row, never a leading entry; the ranking rule shown."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def grey(entries, benchmark, phase, users, make_scored):
    """A constant-image baseline that leads on the ranking metric, declared a reference."""
    benchmark.reference_baselines = ["Grey"]
    benchmark.save(update_fields=["reference_baselines"])
    return make_scored(
        owner=users["staff"],
        phase=phase,
        method="Grey",
        baseline=True,
        public={"psnr": 35.0, "lpips": 0.9, "density": 100.0},
    )


def _leaderboard_rows(html: str) -> list[str]:
    """The <tr> elements of the leaderboard table."""
    body = html.split('id="leaderboard"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr class=\"[^\"]*\">.*?</tr>", body, re.S)


def test_benchmark_page_marks_the_reference_row_without_a_rank(client, grey):
    html = client.get("/benchmarks/toy/").content.decode()
    rows = _leaderboard_rows(html)
    assert 'class="reference"' in rows[0] and "Grey" in rows[0]
    assert re.search(r"<td>–</td>", rows[0]) and 'class="tag reference"' in rows[0]
    assert "OliveSplat" in rows[1] and "<td>1</td>" in rows[1]
    assert "NearestView" in rows[3] and "<td>3</td>" in rows[3] and 'class="baseline"' in rows[3]


def test_benchmark_page_states_the_ranking_rule(client, grey):
    html = client.get("/benchmarks/toy/").content.decode()
    rule = re.search(r'<p class="small" id="ranking-rule">(.*?)</p>', html, re.S).group(1)
    assert rule.startswith("Ranked by PSNR (dB), higher is better")
    assert "trivial references (Grey)" in rule and "without a rank" in rule and "never the leader" in rule


def test_home_never_shows_a_reference_as_a_leading_entry(client, grey):
    html = client.get("/").content.decode()
    card = html.split("Leading entries", 1)[1].split("</table>", 1)[0]
    assert "Grey" not in card
    assert card.index("OliveSplat") < card.index("OscarField")


def test_pareto_chart_data_marks_the_reference(client, grey):
    html = client.get("/benchmarks/toy/").content.decode()
    data = re.search(r'<script id="pareto-data" type="application/json">(.*?)</script>', html, re.S).group(1)
    assert '"method_name": "Grey"' in data and '"is_reference": true' in data


def test_a_reference_entry_page_says_it_is_a_reference_and_a_baseline_page_does_not(client, grey, entries):
    html = client.get(f"/submissions/{grey.pk}/").content.decode()
    assert 'class="tag reference"' in html and "never leads" in html
    baseline = next(s for s in entries.values() if s.is_baseline)
    html = client.get(f"/submissions/{baseline.pk}/").content.decode()
    assert '<span class="tag">baseline</span>' in html and "tag reference" not in html
