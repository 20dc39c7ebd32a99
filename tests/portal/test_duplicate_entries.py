"""A second upload of the same content by the same submitter is marked "duplicate of #N" on its leaderboard
row (page, rows fragment key, API JSON); other submitters, other content, baselines, unlisted earlier uploads
and an anonymous/named pair are not."""

from __future__ import annotations

import dataclasses

import pytest

from leaderboard.models import Score, Submission
from leaderboard.selectors import leaderboard_rows, submission_duplicate_of
from leaderboard.services import submission_set_hidden
from leaderboard.services.leaderboards import leaderboard_rebuild
from leaderboard.views.fragments import rows_fragment_key

CONTENT = {"a": "a" * 64, "b": "b" * 64, "c": "c" * 64, "d": "d" * 64}


def _scored(*, phase, owner, method: str, content: str, psnr: float, **flags) -> Submission:
    made = Submission.objects.create(
        owner=owner, phase=phase, method_name=method, payload_kind="file", payload_sha256=CONTENT[content],
        status=Submission.Status.SCORED, progress=1.0, **flags,
    )  # fmt: skip
    Score.objects.create(
        submission=made, split="public", protocol_version="1", metrics={"psnr": psnr, "lpips": 0.1}
    )
    return made


@pytest.fixture
def uploads(phase, users) -> dict[str, Submission]:
    """Uploads in this order; "again" and "anon-again" repeat an earlier listed entry of their submitter."""
    owner, other, staff = users["owner"], users["other"], users["staff"]
    made = {}
    for name, who, content, flags in (
        ("first", owner, "a", {}),
        ("again", owner, "a", {}),
        ("theirs", other, "a", {}),  # the same file by another submitter
        ("changed", owner, "b", {}),
        ("anon", owner, "a", {"is_anonymous": True}),  # anonymous: never tied to the named "first"
        ("anon-again", owner, "a", {"is_anonymous": True}),
        ("base", staff, "c", {"is_baseline": True}),
        ("base-again", staff, "c", {"is_baseline": True}),
        ("hidden", owner, "d", {"is_hidden": True}),  # not on the board
        ("after-hidden", owner, "d", {}),
    ):
        made[name] = _scored(phase=phase, owner=who, method=name, content=content, psnr=30.0, **flags)
    leaderboard_rebuild(phase=phase)
    return made


def _marks(phase) -> dict[str, int | None]:
    return {row.method_name: row.duplicate_of for row in leaderboard_rows(phase=phase).rows}


@pytest.mark.django_db
def test_a_repeated_upload_is_marked_as_a_duplicate_of_the_earlier_entry_only(phase, uploads):
    marks = _marks(phase)
    assert marks.pop("again") == uploads["first"].pk
    assert marks.pop("anon-again") == uploads["anon"].pk
    assert set(marks) == {"first", "theirs", "changed", "anon", "base", "base-again", "after-hidden"}
    assert set(marks.values()) == {None}
    # the owner's own flag (submit form, API) still names the hidden upload; the public board does not
    assert submission_duplicate_of(submission=uploads["after-hidden"]) == uploads["hidden"].pk
    assert submission_duplicate_of(submission=uploads["anon"]) == uploads["first"].pk


@pytest.mark.django_db
def test_the_mark_goes_when_the_earlier_entry_leaves_the_board(phase, uploads, users):
    submission_set_hidden(submission=uploads["first"], actor=users["staff"], hidden=True)
    assert _marks(phase)["again"] is None
    submission_set_hidden(submission=uploads["first"], actor=users["staff"], hidden=False)
    assert _marks(phase)["again"] == uploads["first"].pk


@pytest.mark.django_db
def test_leaderboard_page_shows_the_duplicate_tag_linked_to_the_earlier_entry(client, uploads, users):
    first, again = uploads["first"], uploads["again"]
    html = client.get("/benchmarks/toy/?phase=dev").content.decode()
    rows = html[html.index('id="leaderboard"') :].split("<tr")
    row = next(r for r in rows if f'href="/submissions/{again.pk}/">again</a>' in r)
    assert f'<a class="tag duplicate" href="/submissions/{first.pk}/"' in row
    assert f">duplicate of #{first.pk}</a>" in row and "by the same submitter" in row
    assert html.count('class="tag duplicate"') == 2
    # the rows fragment is cached: hiding the earlier entry changes the key, and the tag goes
    submission_set_hidden(submission=first, actor=users["staff"], hidden=True)
    html = client.get("/benchmarks/toy/?phase=dev").content.decode()
    assert html.count('class="tag duplicate"') == 1 and f">duplicate of #{first.pk}<" not in html


@pytest.mark.django_db
def test_rows_fragment_key_changes_with_the_duplicate_mark(phase, uploads):
    rows = leaderboard_rows(phase=phase).rows
    unmarked = [dataclasses.replace(row, duplicate_of=None) for row in rows]
    common = {"columns": [], "intervals": {}, "entry_path": "/submissions/{}/"}
    assert rows_fragment_key(rows=rows, **common) != rows_fragment_key(rows=unmarked, **common)


@pytest.mark.django_db
def test_leaderboard_api_rows_carry_duplicate_of(client, uploads):
    body = client.get("/api/v1/benchmarks/toy/leaderboard/?phase=dev").json()
    marks = {row["method_name"]: row["duplicate_of"] for row in body["results"]}
    assert marks["again"] == uploads["first"].pk and marks["anon-again"] == uploads["anon"].pk
    assert sorted(name for name, mark in marks.items() if mark is not None) == ["again", "anon-again"]
