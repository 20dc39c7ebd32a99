"""The frontier phases' seeds (dev published, test from the secret) and the config parser's named problems."""

from __future__ import annotations

import json

import pytest
from sb_seeds import seeds_for

from evaluator.benchmarks.frontier.plan import (
    SEEDED_PLANS,
    dev_seeds,
    hidden_seeds,
    phase_seeds_read,
    seeds_write,
)
from evaluator.benchmarks.frontier.registry import HARNESS_SEED, task_names
from evaluator.benchmarks.frontier.spec import frontier_spec
from evaluator.benchmarks.frontier.submission import submission_parse


def test_dev_seeds_are_published_and_follow_the_public_seed_only():
    assert set(dev_seeds(public=0).values()) == {HARNESS_SEED}
    assert dev_seeds(public=2) != dev_seeds(public=0)


def test_hidden_seeds_follow_the_secret_and_never_the_public_seed():
    a = hidden_seeds(seeds=seeds_for(public=0))
    assert a == hidden_seeds(seeds=seeds_for(public=9))
    assert a != hidden_seeds(seeds=seeds_for(public=0, secret=bytes(range(1, 33))))
    assert set(a) == {p.slug for p in SEEDED_PLANS if p.hidden} == {"test", "test-long", "test-hf"}
    for slug, table in a.items():
        assert len(set(table.values())) == len(table), slug  # one distinct seed per task and length


def test_seed_files_put_dev_in_public_and_tests_in_hidden(tmp_path):
    seeds = seeds_for()
    seeds_write(out_dir=tmp_path, seeds=seeds)
    public, hidden = tmp_path / "public", tmp_path / "hidden"
    assert phase_seeds_read(phase="dev", public_dir=public, hidden_dir=hidden) == dev_seeds(public=0)
    test = phase_seeds_read(phase="test", public_dir=public, hidden_dir=hidden)
    assert test == hidden_seeds(seeds=seeds)["test"]
    published = (public / "dev_seeds.json").read_text()
    assert not any(str(s) in published for s in test.values())
    assert json.loads(published).keys() == {f"{t}@4096" for t in task_names()}


def test_spec_declares_the_long_phase_needs_a_gpu_and_ranks_on_the_worst_task():
    spec = frontier_spec()
    gpu = [(p.slug, p.needs_gpu) for p in spec.phases]
    assert gpu == [("dev", False), ("test", False), ("test-long", True)]
    assert spec.ranking_metric == "acc_worst" and spec.pareto_axes == ("speedup", "acc_worst")
    assert {f"acc_{t}" for t in task_names()} <= {m.name for m in spec.metrics}


@pytest.mark.parametrize(
    ("config", "where"),
    [
        ([1], "config"),
        ({"method": "psa"}, "config.method"),
        ({"method": "dense", "params": {}}, "config.params"),
        ({"method": "block_topk", "params": {"nope": 1}}, "config.params.nope"),
        ({"method": "quest", "params": {"page_size": "16"}}, "config.params.page_size"),
        ({"method": "block_topk", "params": {"top_k": 10**19}}, "config.params.top_k"),
        ({"method": "block_topk", "params": {"block_size": 48}}, "config.params.block_size"),
        ({"method": "vertical_slash", "params": {"block_size": 256}}, "config.params.block_size"),
        ({"method": "flexprefill", "params": {"block_size": 2**31 - 1}}, "config.params.block_size"),
    ],
)
def test_submission_parse_names_the_bad_field(config, where):
    parsed, problems = submission_parse(config=config)
    assert parsed is None and [p.where for p in problems] == [where]


def test_submission_parse_accepts_dense_and_a_method():
    dense, _ = submission_parse(config={"method": "dense"})
    assert (dense.name, dense.phase_kind) == ("dense", "dense")
    topk, problems = submission_parse(config={"method": "block_topk"})
    assert problems == [] and (topk.name, topk.phase_kind) == ("block_topk", "prefill")
    quest, _ = submission_parse(config={"method": "quest"})
    assert quest.phase_kind == "decode"


@pytest.mark.parametrize("method", ["vertical_slash", "flexprefill", "block_topk"])
def test_submission_parse_accepts_every_block_size_that_divides_the_prompt_padding(method):
    sizes = [size for size in range(1, 300) if not submission_parse(
        config={"method": method, "params": {"block_size": size}})[1]]
    assert sizes == [16, 32, 64, 128]
