"""Submission artefacts: stored privately after scoring, replaced on a rescore, removed with the row."""

from __future__ import annotations

import dataclasses

import pytest

from evaluator.contract import ARTEFACT_MAX_BYTES
from evaluator.registry import benchmark_get
from leaderboard.models import Submission
from leaderboard.services import submission_evaluate
from leaderboard.services.artefacts import (
    PNG_SIGNATURE,
    artefact_dir,
    artefact_problem,
    submission_artefacts_write,
)

PNG = PNG_SIGNATURE + b"rest of a png"


def test_write_keeps_good_pngs_and_leaves_out_bad_ones(settings, tmp_path) -> None:
    stored = submission_artefacts_write(
        submission_id=7,
        artefacts={
            "frame-strip.png": PNG,
            "Bad Name.png": PNG,
            "../escape.png": PNG,
            "notes.txt": b"text",
            "fake.png": b"GIF89a",
            "huge.png": PNG + b"0" * ARTEFACT_MAX_BYTES,
        },
    )
    assert stored == ["frame-strip.png"]
    folder = artefact_dir(submission_id=7)
    assert sorted(p.name for p in folder.iterdir()) == ["frame-strip.png"]
    assert folder.is_relative_to(settings.SUBMISSION_ROOT)


def test_a_rescore_replaces_the_artefacts_and_none_removes_them() -> None:
    submission_artefacts_write(submission_id=8, artefacts={"a.png": PNG, "b.png": PNG})
    submission_artefacts_write(submission_id=8, artefacts={"c.png": PNG})
    folder = artefact_dir(submission_id=8)
    assert sorted(p.name for p in folder.iterdir()) == ["c.png"]
    submission_artefacts_write(submission_id=8, artefacts={})
    assert not folder.exists()
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize(
    "name, data, words",
    [("x.png", PNG, None), ("x.jpg", PNG, "name"), ("x.png", b"nope", "not a PNG"),
     ("x.png", PNG + b"0" * ARTEFACT_MAX_BYTES, "bytes")],
)  # fmt: skip
def test_artefact_problem_names_what_is_wrong(name, data, words) -> None:
    problem = artefact_problem(name=name, data=data)
    assert (problem is None) if words is None else words in problem


def test_evaluation_stores_the_reports_artefacts_and_deletion_removes_them(
    make_submission, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    submission = make_submission(answers=[(3 * i) % 10 for i in range(8)])
    plugin = benchmark_get(submission.phase.benchmark.slug)
    scored = plugin.score

    def with_figure(payload, hidden_dir, progress=None):
        report = scored(payload, hidden_dir) if progress is None else scored(payload, hidden_dir, progress)
        return dataclasses.replace(report, artefacts={"figure.png": PNG})

    monkeypatch.setattr(plugin, "score", with_figure)
    submission_evaluate(submission_id=submission.pk, worker_id="w1")
    assert Submission.objects.get(pk=submission.pk).status == Submission.Status.SCORED
    folder = artefact_dir(submission_id=submission.pk)
    assert (folder / "figure.png").read_bytes() == PNG
    with django_capture_on_commit_callbacks(execute=True):
        Submission.objects.filter(pk=submission.pk).delete()
    assert not folder.exists()
