"""The staff-only download of a submission's private payload, linked from the submission admin page."""

from __future__ import annotations

from django.contrib.auth.models import Permission

from leaderboard.models import Submission
from leaderboard.services.payloads import payload_path


def _url(submission: Submission) -> str:
    return f"/submissions/{submission.pk}/payload/"


def _host(staff):
    staff.user_permissions.add(Permission.objects.get(codename="view_submission"))
    return staff


def test_payload_download_gives_hosts_the_file_under_its_uploaded_name(client, staff, make_submission):
    submission = make_submission(answers=[1, 2, 3])
    client.force_login(_host(staff))
    response = client.get(_url(submission))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="answers.json"'
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Cache-Control"] == "private, no-store"
    body = b"".join(response.streaming_content)
    stored = Submission.objects.get(pk=submission.pk)
    assert body == payload_path(name=stored.payload_file.name).read_bytes()
    assert stored.payload_file.name != "answers.json"  # stored under a random name, handed over as uploaded
    assert b'"answers": [1, 2, 3]' in body


def test_payload_download_is_404_to_everyone_but_hosts(client, user, other_user, staff, make_submission):
    submission = make_submission(answers=[0])
    assert client.get(_url(submission)).status_code == 404  # anonymous
    client.force_login(user)
    assert client.get(_url(submission)).status_code == 404  # its own submitter
    client.force_login(other_user)
    assert client.get(_url(submission)).status_code == 404
    client.force_login(staff)  # staff without the permission to view submissions
    assert client.get(_url(submission)).status_code == 404
    client.force_login(_host(staff))
    assert client.get(f"/submissions/{submission.pk + 1000}/payload/").status_code == 404
    assert client.post(_url(submission)).status_code == 405


def test_payload_download_is_404_when_the_file_is_gone(client, staff, make_submission):
    submission = make_submission(answers=[0])
    payload_path(name=Submission.objects.get(pk=submission.pk).payload_file.name).unlink()
    client.force_login(_host(staff))
    assert client.get(_url(submission)).status_code == 404


def test_submission_admin_page_links_the_download_view(client, staff, make_submission):
    staff.is_superuser = True
    staff.save()
    submission = make_submission(answers=[0])
    client.force_login(staff)
    page = client.get(f"/admin/leaderboard/submission/{submission.pk}/change/").content.decode()
    assert f'href="/submissions/{submission.pk}/payload/"' in page
    assert "download answers.json" in page
    stored_name = Submission.objects.get(pk=submission.pk).payload_file.name
    assert f'href="{stored_name}"' not in page and "None" + stored_name not in page
