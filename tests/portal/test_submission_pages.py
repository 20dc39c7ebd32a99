"""Submission pages: my list with live status, detail per viewer, per-item CSV, status JSON and cancel."""

from __future__ import annotations

import csv
import io

import pytest

from leaderboard.models import Submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(phase, users) -> Submission:
    """A queued submission of the owner, a quarter done."""
    return Submission.objects.create(
        owner=users["owner"],
        phase=phase,
        method_name="Waiting",
        payload_kind="file",
        payload_sha256="0" * 64,
        progress=0.25,
        stage="rendering lego",
    )


def test_submission_list_shows_only_own_rows_with_polling_for_live_ones(client, users, entries, queued):
    client.force_login(users["owner"])
    html = client.get("/submissions/").content.decode()
    assert "OliveSplat" in html and "Waiting" in html and "ClosedEntry" in html
    assert "OscarField" not in html and "NearestView" not in html
    assert f'data-poll="/submissions/{queued.pk}/status.json"' in html
    assert f'data-poll="/submissions/{entries["mine"].pk}/status.json"' not in html
    assert 'style="width: 25%"' in html and "rendering lego" in html
    assert "/static/portal/status_poll.js" in html


def test_submission_list_requires_login(client):
    assert client.get("/submissions/").status_code == 302


def test_submission_detail_shows_metrics_na_reason_items_and_log_to_owner(client, users, entries):
    client.force_login(users["owner"])
    html = client.get(f"/submissions/{entries['mine'].pk}/").content.decode()
    assert "30.50" in html and "0.0800" in html
    assert "not measured for file submissions" in html
    assert "cam_001" in html and "31.25" in html and "0.0521" in html
    assert "all done" in html  # log tail
    assert f"/submissions/{entries['mine'].pk}/items.csv" in html
    assert "Scores · private split" not in html  # the dev phase never shows its private split
    assert "Cancel this submission" not in html


def test_submission_detail_of_a_public_entry_is_public_without_its_internals(client, users, entries):
    url = f"/submissions/{entries['mine'].pk}/"
    for viewer in (None, users["other"]):
        if viewer is not None:
            client.force_login(viewer)
        html = client.get(url).content.decode()
        assert "OliveSplat" in html and "30.50" in html and "cam_001" in html
        assert 'id="submitter">olive<' in html
        assert "all done" not in html and "sha256" not in html  # log tail and payload stay private
    assert client.get(url + "items.csv").status_code == 200


def test_submission_detail_of_an_unlisted_entry_is_404_for_other_users_and_anonymous(client, users, entries):
    Submission.objects.filter(pk=entries["mine"].pk).update(is_public=False)
    url = f"/submissions/{entries['mine'].pk}/"
    assert client.get(url).status_code == 404
    client.force_login(users["other"])
    assert client.get(url).status_code == 404
    assert client.get(url + "items.csv").status_code == 404
    assert client.get(url + "status.json").status_code == 404


def test_submission_detail_is_visible_to_staff_with_private_scores(client, users, entries):
    client.force_login(users["staff"])
    html = client.get(f"/submissions/{entries['mine'].pk}/").content.decode()
    assert "OliveSplat" in html and "Scores · private split" in html and "28.00" in html


def test_baseline_detail_is_public(client, entries):
    html = client.get(f"/submissions/{entries['baseline'].pk}/").content.decode()
    assert "NearestView" in html and "22.00" in html
    assert "sha256" not in html  # internals stay with the owner and staff


def test_submission_detail_shows_the_error_of_a_failed_submission(client, users, queued):
    queued.status = Submission.Status.FAILED
    queued.failure_kind = Submission.FailureKind.VALIDATION
    queued.error_message = "lego/cam_000_3_0000.png: expected 64x64 pixels, got 10x10"
    queued.save()
    client.force_login(users["owner"])
    html = client.get(f"/submissions/{queued.pk}/").content.decode()
    assert "Error (validation)" in html and "expected 64x64 pixels, got 10x10" in html


def test_items_csv_lists_every_item_of_the_visible_splits(client, users, entries):
    client.force_login(users["owner"])
    response = client.get(f"/submissions/{entries['mine'].pk}/items.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["split", "group", "item", "psnr", "lpips"],
        ["public", "lego", "cam_000", "31.25", "0.0521"],
        ["public", "lego", "cam_001", "29.5", ""],
    ]


def test_status_json_reports_live_fields(client, users, queued):
    client.force_login(users["owner"])
    data = client.get(f"/submissions/{queued.pk}/status.json").json()
    assert data == {
        "id": queued.pk,
        "status": "queued",
        "progress": 0.25,
        "stage": "rendering lego",
        "waiting": "",
        "queue": "position 1 in the cpu queue (0 running, 0 workers connected); "
        "no start estimate: no worker is connected",
        "is_terminal": False,
    }


def test_owner_cancels_a_queued_submission_by_post(client, users, queued):
    client.force_login(users["owner"])
    html = client.get(f"/submissions/{queued.pk}/").content.decode()
    assert "Cancel this submission" in html and "csrfmiddlewaretoken" in html
    assert client.get(f"/submissions/{queued.pk}/cancel/").status_code == 405
    response = client.post(f"/submissions/{queued.pk}/cancel/")
    assert response.status_code == 302
    queued.refresh_from_db()
    assert queued.status == Submission.Status.CANCELLED


def test_other_user_cannot_cancel(client, users, queued):
    client.force_login(users["other"])
    assert client.post(f"/submissions/{queued.pk}/cancel/").status_code == 404
    queued.refresh_from_db()
    assert queued.status == Submission.Status.QUEUED


def test_cancel_of_a_scored_submission_is_refused_with_a_message(client, users, entries):
    client.force_login(users["owner"])
    response = client.post(f"/submissions/{entries['mine'].pk}/cancel/", follow=True)
    assert "Not cancelled" in response.content.decode()
    entries["mine"].refresh_from_db()
    assert entries["mine"].status == Submission.Status.SCORED


def test_items_csv_escapes_item_names_that_would_start_a_formula(client, users, entries):
    score = entries["mine"].scores.get(split="public")
    score.items = [{"item": "=cmd|' /C calc'!A0", "group": "@lego", "values": {"psnr": -1.5}}]
    score.save()
    client.force_login(users["owner"])
    text = client.get(f"/submissions/{entries['mine'].pk}/items.csv").content.decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][:4] == ["public", "'@lego", "'=cmd|' /C calc'!A0", "-1.5"]
