"""Home and benchmark pages: content, sorting links and arrows, split visibility, the Pareto chart."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def leaderboard_methods(html: str) -> list[str]:
    """Method names of the leaderboard table rows, in page order."""
    body = html.split('id="leaderboard"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"(OliveSplat|OscarField|NearestView|ClosedEntry)", body)


def test_home_lists_benchmarks_with_their_top_entries(client, entries):
    html = client.get("/").content.decode()
    assert "Toy rendering" in html
    assert html.index("OliveSplat") < html.index("OscarField") < html.index("NearestView")
    assert "30.50" in html  # the ranking metric, formatted with its fmt
    assert "ClosedEntry" not in html  # only the first phase is summarised


def test_benchmark_page_shows_description_metrics_phases_and_data_link(client, entries):
    response = client.get("/benchmarks/toy/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Render the toy scenes." in html
    assert "Learned perceptual distance (AlexNet, v0.1)." in html
    assert "↓ lower is better" in html and "↑ higher is better" in html
    assert "Development" in html and "Test" in html
    assert "/api/v1/benchmarks/toy/data/?phase=dev" in html
    assert 'class="baseline"' in html and "baseline</span>" in html


def test_benchmark_page_defaults_to_ranking_metric_best_first_with_arrow(client, entries):
    html = client.get("/benchmarks/toy/").content.decode()
    assert leaderboard_methods(html) == ["OliveSplat", "OscarField", "NearestView"]
    psnr_header = re.search(r'<th class="num" aria-sort="descending".*?</th>', html, re.S).group(0)
    assert "PSNR" in psnr_header and "▼" in psnr_header
    assert "order_by=psnr&amp;dir=asc" in psnr_header  # clicking the active column flips it
    assert "order_by=lpips&amp;dir=asc" in html  # a lower-is-better column sorts best first


def test_benchmark_page_sorts_on_any_metric_in_both_directions(client, entries):
    html = client.get("/benchmarks/toy/?phase=dev&order_by=lpips&dir=asc").content.decode()
    assert leaderboard_methods(html) == ["OscarField", "OliveSplat", "NearestView"]
    lpips_header = re.search(r'<th class="num" aria-sort="ascending".*?</th>', html, re.S).group(0)
    assert "LPIPS" in lpips_header and "▲" in lpips_header
    html = client.get("/benchmarks/toy/?phase=dev&order_by=lpips&dir=desc").content.decode()
    assert leaderboard_methods(html) == ["NearestView", "OliveSplat", "OscarField"]


def test_benchmark_page_ignores_unknown_sort_metric(client, entries):
    html = client.get("/benchmarks/toy/?order_by=secret&dir=up").content.decode()
    assert leaderboard_methods(html) == ["OliveSplat", "OscarField", "NearestView"]


def test_benchmark_page_shows_a_missing_metric_as_na(client, entries):
    html = client.get("/benchmarks/toy/").content.decode()
    body = html.split('id="leaderboard"', 1)[1]
    olive_row = body.split("OliveSplat", 1)[1].split("</tr>", 1)[0]
    assert '<td class="num na">n/a</td>' in olive_row


def test_benchmark_page_hides_private_split_of_an_open_phase(client, entries):
    html = client.get("/benchmarks/toy/?phase=dev&split=private").content.decode()
    assert "private split</a>" not in html
    assert "28.00" not in html  # the private PSNR of OliveSplat
    assert "30.50" in html


def test_benchmark_page_shows_private_split_after_close_when_allowed(client, entries):
    html = client.get("/benchmarks/toy/?phase=test").content.decode()
    assert "private split</a>" in html
    assert "24.12" not in html  # public shown by default
    html = client.get("/benchmarks/toy/?phase=test&split=private").content.decode()
    assert "24.12" in html


def test_benchmark_page_keeps_private_hidden_when_host_disallows(client, entries, closed_phase):
    closed_phase.show_private_after_close = False
    closed_phase.save()
    html = client.get("/benchmarks/toy/?phase=test&split=private").content.decode()
    assert "24.12" not in html and "private split</a>" not in html


@pytest.mark.parametrize("slug", ["dev\x00", "x" * 5000, "../dev"])
def test_benchmark_and_submit_pages_malformed_phase_is_404(client, entries, slug, django_user_model):
    assert client.get("/benchmarks/toy/", {"phase": slug}).status_code == 404
    client.force_login(django_user_model.objects.create_user("pat", password="pw-pat-12345"))
    assert client.get("/benchmarks/toy/submit/", {"phase": slug}).status_code == 404


def test_benchmark_page_unknown_benchmark_or_phase_is_404(client, entries):
    assert client.get("/benchmarks/nope/").status_code == 404
    assert client.get("/benchmarks/toy/?phase=nope").status_code == 404


def test_benchmark_page_embeds_pareto_data_and_static_plotly(client, entries):
    html = client.get("/benchmarks/toy/").content.decode()
    raw = re.search(r'<script id="pareto-data" type="application/json">(.*?)</script>', html, re.S).group(1)
    data = json.loads(raw)
    assert data["x"]["name"] == "density" and data["y"]["name"] == "psnr"
    assert {p["y"] for p in data["points"]} >= {27.0, 22.0}
    assert data["frontier"]
    assert "/static/vendor/plotly/plotly.min.js" in html
    assert "/static/portal/pareto.js" in html
    assert "cdn" not in html.lower()


def test_benchmark_page_embeds_a_bounded_sample_and_says_so(
    client, entries, phase, users, make_scored, monkeypatch
):
    monkeypatch.setattr("leaderboard.selectors.leaderboards.CHART_TOP", 1)
    make_scored(owner=users["other"], phase=phase, method="Dominated", public={"psnr": 20.0, "density": 50.0})
    html = client.get("/benchmarks/toy/").content.decode()
    raw = re.search(r'<script id="pareto-data" type="application/json">(.*?)</script>', html, re.S).group(1)
    data = json.loads(raw)
    assert [p["method_name"] for p in data["points"]] == ["OscarField", "NearestView"]
    assert [p["method_name"] for p in data["frontier"]] == ["OscarField"]
    assert (data["shown"], data["total"]) == (2, 3)
    assert "Showing 2 of 3 entries" in html and "computed over all 3" in html


def test_benchmark_page_table_escapes_submitted_text(client, entries, phase, users, make_scored):
    make_scored(
        owner=users["other"], phase=phase, method='<script>alert("x")</script>', public={"psnr": 40.0}
    )
    html = client.get("/benchmarks/toy/").content.decode()
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_plotly_is_served_from_the_installed_package_by_staticfiles():
    found = finders.find("vendor/plotly/plotly.min.js")
    assert found is not None
    assert "plotly" in str(found) and "package_data" in str(found)
    with open(found, "rb") as handle:
        assert b"plotly" in handle.read(4096).lower()


def test_benchmark_page_links_every_entry_to_its_page_for_every_viewer(client, entries, users):
    keys = ("mine", "theirs", "baseline")
    links = [f'<a class="entry" href="/submissions/{entries[k].pk}/">' for k in keys]
    for viewer in (None, users["other"], users["staff"]):
        if viewer is not None:
            client.force_login(viewer)
        html = client.get("/benchmarks/toy/").content.decode()
        assert all(link in html for link in links)


def test_benchmark_page_offers_submit_only_while_the_phase_is_open(client, entries):
    assert "/benchmarks/toy/submit/?phase=dev" in client.get("/benchmarks/toy/?phase=dev").content.decode()
    assert (
        "/benchmarks/toy/submit/?phase=test" not in client.get("/benchmarks/toy/?phase=test").content.decode()
    )


def test_benchmark_page_reads_a_fixed_number_of_queries(client, entries, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):
        client.get("/benchmarks/toy/?order_by=lpips")


def test_benchmark_page_pages_through_a_long_leaderboard(client, entries, monkeypatch):
    from leaderboard.views import benchmarks

    monkeypatch.setattr(benchmarks, "PAGE_SIZE", 2)
    html = client.get("/benchmarks/toy/?order_by=lpips&dir=asc").content.decode()
    assert leaderboard_methods(html) == ["OscarField", "OliveSplat"]
    assert "page 1 of 2" in html
    assert 'href="?phase=dev&amp;split=public&amp;order_by=lpips&amp;dir=asc&amp;page=2" rel="next"' in html
    html = client.get("/benchmarks/toy/?order_by=lpips&dir=asc&page=2").content.decode()
    assert leaderboard_methods(html) == ["NearestView"]
    assert "<td>3</td>" in html and 'rel="prev"' in html and 'rel="next"' not in html


def test_benchmark_page_links_the_leaderboard_csv_and_the_api_docs(client, entries):
    html = client.get("/benchmarks/toy/?order_by=lpips").content.decode()
    assert (
        "/api/v1/benchmarks/toy/leaderboard/?phase=dev&amp;split=public&amp;order_by=lpips&amp;descending=false&amp;format=csv"
        in html
    )
    assert 'href="/api/v1/docs/"' in html
    csv_url = (
        re.search(r'href="(/api/v1/benchmarks/toy/leaderboard/[^"]+)"', html).group(1).replace("&amp;", "&")
    )
    response = client.get(csv_url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    body = response.content.decode()
    assert body.index("OscarField") < body.index("OliveSplat") < body.index("NearestView")


@pytest.mark.parametrize("page", ["9" * 23, str(2**62), "9" * 5000])
def test_benchmark_page_huge_page_number_is_400(client, entries, page):
    response = client.get("/benchmarks/toy/", {"page": page})
    assert response.status_code == 400
    assert "page" in response.content.decode()
