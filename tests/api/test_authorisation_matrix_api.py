"""Who may do what: every endpoint called as anonymous, owner, another user and staff (the host)."""

from __future__ import annotations

import pytest

from leaderboard.models import Submission

pytestmark = pytest.mark.django_db
ROLES = ("anonymous", "owner", "other", "staff")
LB = "/api/v1/benchmarks/tiny/leaderboard/"

#: (method, path template, form data, expected status for anonymous, owner, other, staff).
#: The owner already holds two dev submissions (entries + queued) = the daily quota, hence 429.
MATRIX = [
    ("get", "/api/v1/benchmarks/", None, (200, 200, 200, 200)),
    ("get", "/api/v1/benchmarks/tiny/", None, (200, 200, 200, 200)),
    ("get", LB + "?phase=dev", None, (200, 200, 200, 200)),
    ("get", LB + "?phase=dev&format=csv", None, (200, 200, 200, 200)),
    ("get", LB + "?phase=dev&split=private", None, (403, 403, 403, 200)),
    ("get", LB + "?phase=test&split=private", None, (200, 200, 200, 200)),
    ("get", "/api/v1/benchmarks/tiny/data/?phase=dev", None, (200, 200, 200, 200)),
    ("post", "/api/v1/submissions/", {"benchmark": "tiny", "phase": "dev", "method_name": "m",
                                      "config": '{"guess": 2}'}, (401, 429, 201, 201)),
    ("get", "/api/v1/submissions/", None, (401, 200, 200, 200)),
    ("get", "/api/v1/submissions/{mine}/", None, (200, 200, 200, 200)),  # a public leaderboard entry
    ("get", "/api/v1/submissions/{queued}/", None, (404, 200, 404, 200)),  # not an entry: insiders only
    ("get", "/api/v1/submissions/{baseline}/", None, (200, 200, 200, 200)),
    ("post", "/api/v1/submissions/{queued}/cancel/", None, (401, 200, 404, 200)),
    ("post", "/api/v1/submissions/{mine}/cancel/", None, (401, 409, 403, 409)),
    ("delete", "/api/v1/auth/token/", None, (401, 204, 204, 204)),
    ("get", "/api/v1/schema/", None, (200, 200, 200, 200)),
    ("get", "/api/v1/docs/", None, (200, 200, 200, 200)),
]


@pytest.fixture
def queued(entries, users) -> Submission:
    """A queued submission of the owner."""
    return Submission.objects.create(owner=users["owner"], phase=entries["mine"].phase, method_name="Waiting",
                                     payload_kind="config", payload_config={"g": 1}, payload_sha256="1" * 64)


@pytest.mark.parametrize(("method", "template", "data", "expected"), MATRIX,
                         ids=[f"{m} {t}" for m, t, _, _ in MATRIX])
@pytest.mark.parametrize("role", ROLES)
def test_api_authorisation_matrix(clients, entries, queued, role, method, template, data, expected):
    path = template.format(mine=entries["mine"].pk, baseline=entries["baseline"].pk, queued=queued.pk)
    response = getattr(clients[role], method)(path, data) if data else getattr(clients[role], method)(path)
    assert response.status_code == expected[ROLES.index(role)], response.content[:300]


@pytest.mark.parametrize("role", ["anonymous", "other"])
def test_api_refusals_leave_every_row_unchanged(clients, entries, queued, role):
    before = sorted(Submission.objects.values_list("id", "status", "method_name"))
    clients[role].post(f"/api/v1/submissions/{queued.pk}/cancel/")
    clients[role].post(f"/api/v1/submissions/{entries['mine'].pk}/cancel/")
    assert sorted(Submission.objects.values_list("id", "status", "method_name")) == before


def test_api_a_public_entry_is_shown_to_others_without_its_payload_and_error_fields(clients, entries):
    body = clients["other"].get(f"/api/v1/submissions/{entries['mine'].pk}/").json()
    assert body["method_name"] == "OliveNet" and body["submitter"] == "olive" and body["scores"]
    assert (body["payload_name"], body["payload_sha256"], body["error"], body["stage"]) == ("", "", "", "")


@pytest.mark.parametrize("change", [{"is_public": False}, {"is_hidden": True}, {"status": "failed"}])
def test_api_an_unlisted_submission_of_another_user_does_not_exist_for_them(clients, entries, change):
    Submission.objects.filter(pk=entries["mine"].pk).update(**change)
    for role in ("other", "anonymous"):
        response = clients[role].get(f"/api/v1/submissions/{entries['mine'].pk}/")
        assert response.status_code == 404 and "OliveNet" not in response.content.decode()
