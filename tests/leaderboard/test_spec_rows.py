"""Stored spec rows read back as the contract's dataclasses, through one selector per kind of row, whatever
the platform added or an old row lacks; every reader (rules, portal, API, rankings) goes through them."""

from __future__ import annotations

import dataclasses

import pytest
from sb_toy import TINYBENCH

from evaluator.contract import MetricSpec, SubmissionFormat, SubmissionKind
from leaderboard.models import Benchmark
from leaderboard.selectors import item_metric_specs, metric_from_row, metric_specs
from leaderboard.selectors.formats import benchmark_code_extensions, format_specs
from leaderboard.services import benchmark_sync
from leaderboard.services.rankings import board_spec
from leaderboard.services.submission_rules import accepted_kinds

SPEC = dataclasses.replace(
    TINYBENCH.spec,
    formats=(
        *TINYBENCH.spec.formats,
        SubmissionFormat(kind=SubmissionKind.CONFIG, description="a JSON guess"),
        SubmissionFormat(kind=SubmissionKind.FILE, description="code", extensions=(".PY",), code=True),
    ),
    item_metrics=(MetricSpec(name="per_item", label="Per item", unit="", higher_is_better=False),),
)


def test_a_synced_metric_row_reads_back_as_the_declared_spec():
    for metric in TINYBENCH.spec.metrics:
        assert metric_from_row(dataclasses.asdict(metric)) == metric
        assert metric_from_row({**dataclasses.asdict(metric), "scope": "item"}) == metric


def test_an_old_row_without_the_later_fields_takes_the_defaults():
    spec = metric_from_row({"name": "psnr", "label": "PSNR", "unit": "dB", "higher_is_better": True})
    assert spec == MetricSpec(name="psnr", label="PSNR", unit="dB", higher_is_better=True)
    assert spec.format(31.25) == "31.2500" and spec.format(None) == "n/a" and not spec.detail


def test_a_synced_benchmark_reads_back_as_its_declared_dataclasses(db):
    row = benchmark_sync(spec=SPEC)
    row = Benchmark.objects.get(pk=row.pk)  # the JSON as stored, not the objects sync held
    declared = [dataclasses.replace(f, extensions=tuple(e.lower().lstrip(".") for e in f.extensions))
                for f in SPEC.formats]  # fmt: skip
    assert format_specs(benchmark=row) == declared
    assert metric_specs(benchmark=row) == list(SPEC.metrics)
    assert item_metric_specs(benchmark=row)[0] == SPEC.item_metrics[0]
    assert board_spec(benchmark=row).directions == {m.name: m.higher_is_better for m in SPEC.metrics}
    assert accepted_kinds(phase=row.phases.first()) == {"file": ["json", "py"], "config": []}
    assert benchmark_code_extensions(benchmark=row) == {"py"}


def test_an_old_format_row_without_the_code_flag_reads_as_code_when_it_takes_python(db):
    row = benchmark_sync(spec=TINYBENCH.spec)
    Benchmark.objects.filter(pk=row.pk).update(formats=[{"kind": "file", "extensions": [".Py"]}])
    (fmt,) = format_specs(benchmark=Benchmark.objects.get(pk=row.pk))
    assert fmt == SubmissionFormat(kind=SubmissionKind.FILE, description="", extensions=("py",), code=True)


def test_a_stored_format_of_an_unknown_kind_is_refused_by_name(db):
    row = benchmark_sync(spec=TINYBENCH.spec)
    Benchmark.objects.filter(pk=row.pk).update(formats=[{"kind": "zipfile", "extensions": ["zip"]}])
    with pytest.raises(ValueError, match="'zipfile' is not one of: file, config"):
        format_specs(benchmark=Benchmark.objects.get(pk=row.pk))
