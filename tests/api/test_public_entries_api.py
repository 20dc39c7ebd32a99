"""API public entries: leaderboard rows give each entry's page; an entry's detail shows public fields only."""

from __future__ import annotations

import pytest

from leaderboard.models import Benchmark, Phase, Submission
from leaderboard.services.leaderboards import leaderboard_rebuild

pytestmark = pytest.mark.django_db
BOARD = "/api/v1/benchmarks/tiny/leaderboard/"
PUBLIC_VIEWERS = ("anonymous", "other")


def _detail(client, submission: Submission):
    return client.get(f"/api/v1/submissions/{submission.pk}/")


def test_leaderboard_rows_give_the_address_of_each_entry_page(clients, entries):
    body = clients["anonymous"].get(BOARD, {"phase": "dev"}).json()
    ids = [row["submission_id"] for row in body["results"]]
    expected = {pk: f"http://testserver/submissions/{pk}/" for pk in ids}
    assert {row["submission_id"]: row["url"] for row in body["results"]} == expected
    assert set(expected) == {entries[k].pk for k in ("mine", "theirs", "baseline")}


def test_every_leaderboard_row_address_opens_for_a_visitor(client, clients, entries):
    body = clients["anonymous"].get(BOARD, {"phase": "dev"}).json()
    for row in body["results"]:
        response = client.get(row["url"].removeprefix("http://testserver"))
        assert response.status_code == 200 and row["method_name"] in response.content.decode()


def test_public_entry_detail_shows_public_fields_without_internals(clients, entries):
    Submission.objects.filter(pk=entries["mine"].pk).update(
        description="olive's method", stage="on worker-7", payload_name="answers.json", error_message="trace"
    )
    for role in PUBLIC_VIEWERS:
        body = _detail(clients[role], entries["mine"]).json()
        assert (body["method_name"], body["submitter"]) == ("OliveNet", "olive")
        assert body["description"] == "olive's method"
        assert (body["phase"], body["status"], body["is_public"]) == ("dev", "scored", True)
        hidden = ("payload_name", "payload_sha256", "error", "stage", "payload_size", "attempts")
        assert [body[name] for name in hidden] == ["", "", "", "", 0, 0]
        [public] = body["scores"]
        assert public["metrics"] == {"accuracy": 0.5, "density": 20.0}
        assert public["items"] and (public["protocol_version"], public["hardware"]) == ("1", {"cpu": "t"})
    owner = _detail(clients["owner"], entries["mine"]).json()
    assert (owner["payload_sha256"], owner["stage"], owner["error"]) == ("0" * 64, "on worker-7", "trace")


def test_anonymous_entry_detail_never_names_its_owner(clients, entries):
    Submission.objects.filter(pk=entries["mine"].pk).update(is_anonymous=True)
    leaderboard_rebuild(phase=entries["mine"].phase)
    for role in PUBLIC_VIEWERS:
        response = _detail(clients[role], entries["mine"])
        assert response.json()["submitter"] == "anonymous" and "olive" not in response.content.decode()
    board = clients["anonymous"].get(BOARD, {"phase": "dev"}).json()
    assert {row["submitter"] for row in board["results"]} == {"anonymous", "oscar", "baseline"}


@pytest.mark.parametrize(
    "change",
    [{"is_public": False}, {"is_hidden": True}, {"status": "running"}],
    ids=["not-public", "hidden-by-host", "unscored"],
)
def test_unlisted_entry_detail_is_404_to_others_and_shown_to_its_owner(clients, entries, change):
    Submission.objects.filter(pk=entries["mine"].pk).update(**change)
    for role in PUBLIC_VIEWERS:
        response = _detail(clients[role], entries["mine"])
        assert response.status_code == 404 and "OliveNet" not in response.content.decode()
    assert _detail(clients["owner"], entries["mine"]).status_code == 200


def test_private_split_of_an_entry_stays_hidden_until_its_phase_publishes_it(clients, entries):
    for role in (*PUBLIC_VIEWERS, "owner"):
        assert [s["split"] for s in _detail(clients[role], entries["mine"]).json()["scores"]] == ["public"]
    staff = _detail(clients["staff"], entries["mine"]).json()
    assert {s["split"] for s in staff["scores"]} == {"public", "private"}
    for role in PUBLIC_VIEWERS:
        scores = {s["split"]: s for s in _detail(clients[role], entries["closed"]).json()["scores"]}
        assert scores["private"]["metrics"]["accuracy"] == 1.0
    Phase.objects.filter(pk=entries["closed"].phase_id).update(show_private_after_close=False)
    for role in PUBLIC_VIEWERS:
        assert [s["split"] for s in _detail(clients[role], entries["closed"]).json()["scores"]] == ["public"]


def test_entry_detail_of_a_hidden_benchmark_is_404_to_others(clients, entries):
    Benchmark.objects.filter(pk=entries["mine"].phase.benchmark_id).update(is_visible=False)
    for role in PUBLIC_VIEWERS:
        assert [_detail(clients[role], entries[k]).status_code for k in ("mine", "baseline")] == [404, 404]
    assert _detail(clients["owner"], entries["mine"]).status_code == 200
