"""JSON request bodies: a BOM is accepted; bombs (deep nesting, huge integers) are a 400, never a 500."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db
URL = "/api/v1/auth/token/"


def test_json_body_with_a_utf8_bom_is_accepted(clients, users):
    body = "\ufeff" + json.dumps({"username": "olive", "password": "wrong-password"})
    response = clients["anonymous"].post(URL, data=body.encode(), content_type="application/json")
    assert response.status_code == 400 and "non_field_errors" in response.json()  # parsed; bad credentials


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested more than"),
        ('{"a":' * 50_000 + "1" + "}" * 50_000, "nested more than"),
        ('{"username": ' + "1" * 5000 + "}", "integer of 5000 digits"),
    ],
)
def test_json_body_bombs_are_400(clients, users, body, message):
    response = clients["anonymous"].post(URL, data=body, content_type="application/json")
    assert response.status_code == 400 and message in response.json()["detail"]
