"""A stored metric row reads back as the contract's MetricSpec, whatever the platform added or a row lacks."""

from __future__ import annotations

import dataclasses

from sb_testbench import TinyBenchmark

from evaluator.contract import MetricSpec
from leaderboard.selectors import metric_from_row


def test_a_synced_metric_row_reads_back_as_the_declared_spec():
    for metric in TinyBenchmark.spec.metrics:
        assert metric_from_row(dataclasses.asdict(metric)) == metric
        assert metric_from_row({**dataclasses.asdict(metric), "scope": "item"}) == metric


def test_an_old_row_without_the_later_fields_takes_the_defaults():
    spec = metric_from_row({"name": "psnr", "label": "PSNR", "unit": "dB", "higher_is_better": True})
    assert spec == MetricSpec(name="psnr", label="PSNR", unit="dB", higher_is_better=True)
    assert spec.format(31.25) == "31.2500" and spec.format(None) == "n/a" and not spec.detail
