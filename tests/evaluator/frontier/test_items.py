"""Per (task, length) items of the frontier report: sparsity, error and speedups agree with the run's."""

from __future__ import annotations

import numpy as np
import pytest
from sb_frontier_runs import LENGTHS, TASKS, TIMES, synthetic_run

from evaluator.benchmarks.frontier.attention import AttentionTally
from evaluator.benchmarks.frontier.report import measured_sparsity, run_tally, split_score
from evaluator.benchmarks.frontier.spec import frontier_item_metrics, frontier_metrics

SPEEDS = ("prefill_speedup", "decode_speedup")


def _weighted(items, metric: str, weights) -> float:
    """The mean of the items' `metric` weighted by `weights` (one per item)."""
    return float(np.average([item.values[metric] for item in items], weights=list(weights)))


def _cell_tallies(run, limit):
    """Each cell's pooled tally of the samples below `limit`, in item order."""
    return [AttentionTally.pooled(t for s, t in zip(c.scores, c.tallies, strict=True)
                                  if limit is None or s.index < limit) for c in run.cells]  # fmt: skip


@pytest.mark.parametrize("kind", ["prefill", "decode"])
@pytest.mark.parametrize("limit", [1, None], ids=["public", "private"])
def test_item_sparsity_and_error_pool_to_the_run_figures(kind, limit):
    run = synthetic_run(kind=kind, samples=3)
    split = split_score(run=run, limit=limit)
    items, metrics, tallies = split.items, split.metrics, _cell_tallies(run, limit)
    assert len(items) == len(TASKS) * len(LENGTHS)
    # each item's sparsity weighted by its causal cells (a decode step's is 1: by its calls) is the run's
    assert _weighted(items, "sparsity", [t.causal for t in tallies]) == pytest.approx(metrics["sparsity"])
    errors = _weighted(items, "attn_rel_l2", [t.errors for t in tallies])
    assert errors == pytest.approx(metrics["attn_rel_l2"])
    if kind == "decode":
        assert _weighted(items, "sparsity", [i.values["calls"] for i in items]) == pytest.approx(
            metrics["sparsity"])  # fmt: skip
        assert metrics["sparsity_ref"] is None and all(i.values["sparsity_ref"] is None for i in items)
    else:
        weights = [t.reference_causal for t in tallies]
        assert _weighted(items, "sparsity_ref", weights) == pytest.approx(metrics["sparsity_ref"])
    # negative control: the items are per task, not copies of the run's figure
    assert len({round(i.values["sparsity"], 9) for i in items}) > 1
    assert any(abs(i.values["sparsity"] - metrics["sparsity"]) > 0.01 for i in items)
    assert run_tally(run).calls == sum(t.calls for t in _cell_tallies(run, None))
    assert measured_sparsity(run) == (split_score(run=run, limit=None).metrics["sparsity"],
                                      split_score(run=run, limit=None).metrics["sparsity_ref"])  # fmt: skip


@pytest.mark.parametrize("kind, other", [("prefill", "decode_speedup"), ("decode", "prefill_speedup")])
def test_a_method_gets_the_speedup_where_it_acts_and_n_a_for_the_other(kind, other):
    split = split_score(run=synthetic_run(kind=kind), limit=None)
    own = f"{kind}_speedup"
    total = sum(d for d, _ in TIMES.values()) / sum(m for _, m in TIMES.values())
    assert split.metrics[own] == pytest.approx(total) and split.metrics["speedup"] == split.metrics[own]
    assert split.metrics[other] is None and "n/a" in split.na_reasons[other]
    for item in split.items:  # the length's figure, shared by the tasks of that length
        dense_ms, method_ms = TIMES[int(item.item.split("@")[1])]
        assert item.values[own] == pytest.approx(dense_ms / method_ms) and item.values[other] is None


def test_dense_attention_is_its_own_reference():
    split = split_score(run=synthetic_run(kind="dense"), limit=None)
    assert split.metrics["sparsity"] == pytest.approx(0.0) and split.metrics["attn_rel_l2"] == 0.0
    assert all(split.metrics[name] == 1.0 for name in (*SPEEDS, "speedup"))
    assert all(item.values["attn_rel_l2"] == 0.0 and item.values["prefill_speedup"] == 1.0
               for item in split.items)  # fmt: skip


def test_every_item_value_is_declared_for_the_page_and_the_csv():
    declared = {m.name for m in (*frontier_metrics(), *frontier_item_metrics())}
    for kind in ("dense", "prefill", "decode"):
        for item in split_score(run=synthetic_run(kind=kind), limit=None).items:
            assert {"sparsity", "sparsity_ref", "attn_rel_l2", *SPEEDS, "calls"} <= set(item.values)
            assert set(item.values) <= declared
