"""A plugin's declarations are checked before the platform stores them; each problem names its field."""

from __future__ import annotations

import dataclasses

import pytest
from sb_toy import TINYBENCH

from evaluator.contract import (
    MetricSpec,
    PhaseSpec,
    ScoreReport,
    Split,
    SplitScore,
    SubmissionFormat,
    SubmissionKind,
)
from evaluator.registry import benchmark_get, benchmark_slugs
from evaluator.spec_check import spec_problems

GOOD = TINYBENCH.spec


def test_every_hosted_benchmark_and_the_toy_one_are_clean():
    assert spec_problems(GOOD) == []
    for slug in benchmark_slugs():
        assert spec_problems(benchmark_get(slug).spec) == [], slug


def test_each_broken_declaration_is_named():
    metric = GOOD.metrics[0]
    broken = dataclasses.replace(
        GOOD,
        version=" ",
        ranking_metric="nope",
        pareto_axes=(metric.name, "absent"),
        metrics=(
            *GOOD.metrics,
            dataclasses.replace(metric, fmt="{:d}"),
            MetricSpec("bad", "b", "", True, "{x}"),
        ),
        phases=(
            *GOOD.phases,
            GOOD.phases[0],
            PhaseSpec(slug="up", title="t", description="d", public_paths=("../hidden",)),
            PhaseSpec(slug="abs", title="t", description="d", public_paths=("/etc",)),
        ),
        formats=(
            SubmissionFormat(kind=SubmissionKind.FILE, description="no extensions"),
            SubmissionFormat(kind=SubmissionKind.CONFIG, description="config code", code=True),
        ),
        soft_time_limit_s=0,
    )
    text = "\n".join(spec_problems(broken))
    for expected in (
        "version is empty",
        f"metric {metric.name!r} is declared more than once",
        "fmt '{:d}' cannot format a number",
        "metric 'bad': fmt '{x}' cannot format a number",
        "ranking_metric 'nope' is not one of the metrics",
        "pareto_axes y 'absent'",
        f"phase {GOOD.phases[0].slug!r} is declared more than once",
        "phase 'up': public path '../hidden' must be relative",
        "phase 'abs': public path '/etc'",
        "format 'no extensions': a file format must list its extensions",
        "format 'config code': a code format must be a file format",
        "soft_time_limit_s 0 must be positive",
    ):
        assert expected in text, expected


def test_a_score_report_refuses_an_unknown_split_by_name():
    split = SplitScore(metrics={"a": 1.0})
    report = ScoreReport(splits={"public": split, Split.PRIVATE: split}, protocol_version="1", hardware={})
    assert set(report.splits) == {"public", "private"}
    with pytest.raises(ValueError, match="unknown split.*'privat'.*known: public, private"):
        ScoreReport(splits={"privat": split}, protocol_version="1", hardware={})
