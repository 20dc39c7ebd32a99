"""A scored sparse-search entry shows its per-level and per-seed values on its page and in its items CSV."""

from __future__ import annotations

import csv
import dataclasses
import io

import numpy as np
import pytest

from evaluator.benchmarks.sparse_search import SparseSearchBenchmark
from evaluator.benchmarks.sparse_search.config import PROTOCOL_VERSION
from evaluator.benchmarks.sparse_search.runs import MaskRun, Reference
from evaluator.benchmarks.sparse_search.scoring import split_score
from leaderboard import selectors
from leaderboard.models import Phase, Score, Submission
from leaderboard.services.benchmarks import benchmark_sync

pytestmark = pytest.mark.django_db


def _public_split():
    """The public SplitScore of a made-up submission on the default protocol (no training)."""
    config = SparseSearchBenchmark().config
    levels, seeds = len(config.levels), config.n_hidden_seeds
    rng = np.random.default_rng(7)
    runs = [
        MaskRun(
            test_accuracy=0.9 - 0.01 * lv + 0.001 * np.arange(seeds),
            convergence=np.full(seeds, 4.0 + lv),
            final_val_accuracy=np.full(seeds, 0.88),
        )
        for lv in range(levels)
    ]
    ref = Reference(
        dense_accuracy=np.full(seeds, 0.95),
        random_accuracy=rng.uniform(0.8, 0.9, size=(levels, config.n_random_masks, seeds)),
        random_masks=np.zeros((levels, config.n_random_masks, 2, 256), dtype=bool),
    )
    kept = [
        (config.kept_total(level=lv) // 2, config.kept_total(level=lv) - config.kept_total(level=lv) // 2)
        for lv in config.levels
    ]
    return split_score(
        config=config,
        runs=runs,
        kept=kept,
        ref=ref,
        seed_index=np.arange(config.n_public_seeds),
        dense_parent=False,
    )


@pytest.fixture
def entry(users) -> Submission:
    """A public sparse-search entry scored with the benchmark's own items (spec mirrored by the sync)."""
    benchmark = benchmark_sync(spec=SparseSearchBenchmark().spec)
    phase = Phase.objects.get(benchmark=benchmark, slug="digits")
    split = _public_split()
    sub = Submission.objects.create(
        owner=users["owner"],
        phase=phase,
        method_name="MaskFinder",
        payload_kind="file",
        payload_sha256="0" * 64,
        status=Submission.Status.SCORED,
        progress=1.0,
    )
    Score.objects.create(
        submission=sub,
        split="public",
        protocol_version=PROTOCOL_VERSION,
        metrics=dict(split.metrics),
        items=[dataclasses.asdict(item) for item in split.items],
    )
    return sub


def test_item_metric_specs_name_every_value_of_a_sparse_search_item(entry):
    names = {m.name for m in selectors.item_metric_specs(benchmark=entry.phase.benchmark)}
    keys = {key for item in _public_split().items for key in item.values}
    assert keys <= names
    entry_names = {m.name for m in selectors.metric_specs(benchmark=entry.phase.benchmark)}
    assert "random_mean" not in entry_names and "diff_vs_random" in entry_names


def test_sparse_search_items_csv_has_a_number_in_every_value_column(client, users, entry):
    client.force_login(users["owner"])
    rows = list(
        csv.DictReader(io.StringIO(client.get(f"/submissions/{entry.pk}/items.csv").content.decode()))
    )
    assert len(rows) == 4 * (1 + 3)
    level = next(row for row in rows if row["item"] == "level 0.9")
    assert float(level["acc"]) == pytest.approx(0.881)
    assert float(level["kept_layer1"]) + float(level["kept_layer2"]) == 51
    assert float(level["random_mean"]) == pytest.approx(float(level["acc"]) - float(level["diff"]))
    seed = next(row for row in rows if row["item"] == "level 0.9 / seed 2")
    assert float(seed["acc"]) == pytest.approx(0.881) and float(seed["dense_acc"]) == pytest.approx(0.95)
    assert seed["pct"] == "" and float(seed["final_val_acc"]) == pytest.approx(0.88)


def test_sparse_search_entry_page_shows_per_level_and_per_seed_values(client, users, entry):
    html = client.get(f"/submissions/{entry.pk}/").content.decode()
    table = html[html.index("items-table") :]
    assert "Random masks&#x27; mean" in table and "Nodes layer 1" in table
    assert "<td>level 0.9 / seed 2</td>" in table
    row = table[table.index("<td>level 0.9</td>") : table.index("</tr>", table.index("<td>level 0.9</td>"))]
    assert '<td class="num">0.8810</td>' in row and '<td class="num">26</td>' in row
