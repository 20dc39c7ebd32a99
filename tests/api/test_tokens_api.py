"""API tokens are stored as hashes: shown once, several per user, each revocable, old keys kept working."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from rest_framework.test import APIClient
from sb_api_fixtures import NAMES, PASSWORDS

from leaderboard.models import ApiToken
from leaderboard.selectors import token_find, token_held
from leaderboard.services import token_create, token_issue
from leaderboard.services.tokens import MAX_TOKENS_PER_USER, token_digest

pytestmark = pytest.mark.django_db


def test_only_the_digest_is_stored_and_the_key_authenticates(users):
    key = token_issue(user=users["owner"])
    row = ApiToken.objects.get(user=users["owner"])
    assert row.digest == token_digest(key) and key not in (row.digest, row.prefix) and row.prefix == key[:6]
    other = key[:-1] + ("1" if key.endswith("0") else "0")
    assert token_find(key).user == users["owner"] and token_find(other) is None
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/submissions/").status_code == 200
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert client.get("/api/v1/submissions/").status_code == 401


def test_each_login_gets_its_own_token_and_delete_revokes_only_that_one(users):
    api = APIClient()
    body = {"username": NAMES["owner"], "password": PASSWORDS["owner"]}
    first, second = (api.post("/api/v1/auth/token/", body).json()["token"] for _ in range(2))
    assert first != second and token_held(user=users["owner"]) == 2
    api.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert api.delete("/api/v1/auth/token/").status_code == 204
    assert token_find(first) is None and token_find(second) is not None


def test_a_user_holds_at_most_the_limit_the_oldest_revoked(users):
    keys = [token_issue(user=users["owner"]) for _ in range(MAX_TOKENS_PER_USER + 2)]
    assert token_held(user=users["owner"]) == MAX_TOKENS_PER_USER
    assert token_find(keys[0]) is None and token_find(keys[-1]) is not None
    rotated = token_create(user=users["owner"])
    assert token_held(user=users["owner"]) == 1 and token_find(rotated) is not None


def test_the_migration_keeps_old_clear_keys_working_and_erases_them(users):
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, user_id integer, created timestamp)"
        )
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, %s, %s)",
                       ["a" * 40, users["owner"].pk, "2026-11-01 10:00:00"])  # fmt: skip
    migration = importlib.import_module("leaderboard.migrations.0011_api_tokens")
    migration.tokens_hash(apps, SimpleNamespace(connection=connection))
    assert token_find("a" * 40).user == users["owner"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM authtoken_token")
        assert cursor.fetchone()[0] == 0


def test_the_admin_shows_prefixes_never_keys(users, client):
    key = token_issue(user=users["owner"])
    admin = users["owner"].__class__.objects.create_superuser("root", password="root-pw-12345")
    client.force_login(admin)
    page = client.get("/admin/leaderboard/apitoken/").content.decode()
    assert key[:6] in page and key not in page and token_digest(key) not in page
