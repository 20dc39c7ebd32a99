"""A scored frontier entry shows per (task, length) sparsity, error and speedups on its page and CSV."""

from __future__ import annotations

import csv
import dataclasses
import io

import pytest
from sb_frontier_runs import synthetic_run

from evaluator.benchmarks.frontier.benchmark import PROTOCOL
from evaluator.benchmarks.frontier.report import split_score
from evaluator.benchmarks.frontier.spec import frontier_spec
from leaderboard import selectors
from leaderboard.models import Phase, Score, Submission
from leaderboard.services.benchmarks import benchmark_sync

pytestmark = pytest.mark.django_db
NEW = ("sparsity", "sparsity_ref", "prefill_speedup", "decode_speedup", "attn_rel_l2", "calls")


@pytest.fixture(params=["prefill", "decode"])
def entry(request, users) -> tuple[Submission, str]:
    """A frontier entry of a `kind` method scored with the report's own items (spec mirrored by the sync)."""
    benchmark = benchmark_sync(spec=frontier_spec())
    split = split_score(run=synthetic_run(kind=request.param), limit=None)
    sub = Submission.objects.create(
        owner=users["owner"], phase=Phase.objects.get(benchmark=benchmark, slug="dev"),
        method_name="Sparse", payload_kind="config", payload_sha256="0" * 64,
        status=Submission.Status.SCORED, progress=1.0,
    )  # fmt: skip
    Score.objects.create(
        submission=sub, split="public", protocol_version=PROTOCOL, metrics=dict(split.metrics),
        items=[dataclasses.asdict(item) for item in split.items], na_reasons=dict(split.na_reasons),
    )  # fmt: skip
    return sub, request.param


def test_the_items_csv_has_the_new_columns_with_the_speedup_where_the_method_acts(client, users, entry):
    sub, kind = entry
    names = {m.name for m in selectors.item_metric_specs(benchmark=sub.phase.benchmark)}
    assert set(NEW) <= names
    client.force_login(users["owner"])
    rows = list(csv.DictReader(io.StringIO(client.get(f"/submissions/{sub.pk}/items.csv").content.decode())))
    assert len(rows) == 4 and set(NEW) <= set(rows[0])
    other = "decode_speedup" if kind == "prefill" else "prefill_speedup"
    for row in rows:
        assert float(row[f"{kind}_speedup"]) > 1.0 and row[other] == ""
        assert 0.0 < float(row["sparsity"]) < 1.0 and float(row["attn_rel_l2"]) > 0.0
        assert float(row["calls"]) > 0
        assert (row["sparsity_ref"] == "") is (kind == "decode")


def test_the_entry_page_shows_the_new_item_columns(client, users, entry):
    sub, kind = entry
    client.force_login(users["owner"])
    html = client.get(f"/submissions/{sub.pk}/").content.decode()
    table = html[html.index("items-table") :]
    head = table[: table.index("</thead>")]
    for label in ("Sparsity", "Prefill speedup", "Decode speedup", "Attention error", "Attention calls"):
        assert label in head, label
    start = table.index("<td>ruler_vt@2048</td>")
    row = table[start : table.index("</tr>", start)]
    assert '<td class="num">4.00</td>' in row  # 8 ms dense over 2 ms sparse at 2,048 tokens
