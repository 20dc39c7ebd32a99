"""The workers' validators against a generated corpus of hostile uploads (tests/support/sb_hostile_files.py):
each returns problems in plain text naming the file or field, never raises, never shows a stored path."""

from __future__ import annotations

import pytest
from sb_hostile_files import file_probes

from evaluator.contract import Payload
from evaluator.registry import benchmark_get

PROBES = file_probes()


def test_the_corpus_has_at_least_fifty_uploads():
    assert len(PROBES) >= 50


@pytest.mark.parametrize("probe", PROBES, ids=lambda p: p.name)
def test_a_hostile_upload_is_a_named_problem_not_a_crash(probe, tmp_path):
    benchmark = benchmark_get(probe.slug)
    upload_dir = tmp_path / "stored-by-the-platform"
    upload_dir.mkdir()
    payload = Payload(
        phase=benchmark.spec.phases[0].slug,
        public_dir=tmp_path / "public",
        file=probe.write(upload_dir),
        config=probe.config,
    )
    problems = benchmark.validate(payload)
    assert problems, "a hostile upload was accepted"
    for problem in problems:
        text = f"{problem.where}: {problem.message}"
        assert problem.where and problem.message, text
        assert str(tmp_path) not in text and "stored-by-the-platform" not in text, text
        assert "Traceback" not in text and "<class '" not in text, text
    assert probe.where in problems[0].where, [str(p) for p in problems]
