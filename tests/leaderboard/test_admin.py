"""Host admin: lifecycle actions go through the services; scores are read-only."""

from __future__ import annotations

from leaderboard.models import Submission

TRUTH = [(3 * i) % 10 for i in range(8)]


def test_admin_actions_cancel_and_hide_through_services(client, staff, make_submission, dispatched):
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    queued = make_submission(answers=TRUTH)
    response = client.post(
        "/admin/leaderboard/submission/", {"action": "cancel", "_selected_action": [queued.pk]}, follow=True
    )
    assert response.status_code == 200
    assert Submission.objects.get(pk=queued.pk).status == "cancelled"
    client.post("/admin/leaderboard/submission/", {"action": "hide", "_selected_action": [queued.pk]})
    assert Submission.objects.get(pk=queued.pk).is_hidden
    response = client.post(
        "/admin/leaderboard/submission/", {"action": "cancel", "_selected_action": [queued.pk]}, follow=True
    )
    assert "cannot be cancelled" in response.content.decode()


def test_admin_scores_are_read_only(client, staff, make_submission):
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    assert client.get("/admin/leaderboard/score/add/").status_code == 403
    assert client.get("/admin/leaderboard/submission/add/").status_code == 403
    assert client.get("/admin/leaderboard/phase/").status_code == 200


def test_admin_index_names_models_in_plain_english(client, staff):
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    html = client.get("/admin/").content.decode()
    for name in ("Leaderboard entries", "API tokens", "Worker heartbeats", "Account verifications"):
        assert f">{name}</a>" in html, name
    assert "entrys" not in html.lower() and "Api tokens" not in html
