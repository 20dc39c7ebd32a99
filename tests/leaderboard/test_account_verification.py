"""Only verified accounts may submit: the service refuses the others before storing or charging anything;
operators' accounts and those made before verification existed count as verified; mail settings are strict."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from leaderboard.env import ConfigError, mail_config
from leaderboard.models import Submission
from leaderboard.selectors import account_is_verified, quota_status
from leaderboard.services import (
    AccountUnverified,
    account_mark_verified,
    account_verification_start,
    submission_create,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("signed_up", [True, False], ids=["signed-up", "made-elsewhere"])
def test_the_service_refuses_an_unverified_owner_with_nothing_stored_and_no_quota_used(
    phase, upload, private_roots, dispatched, signed_up
):
    owner = get_user_model().objects.create_user("nova", email="nova@example.org", password="pw-nova-123")
    if signed_up:
        account_verification_start(user=owner)
    with pytest.raises(AccountUnverified, match="verify your account's e-mail address"):
        submission_create(owner=owner, phase=phase, method_name="m", upload=upload())
    with pytest.raises(AccountUnverified):
        submission_create(owner=owner, phase=phase, method_name="m", config={"guess": 1})
    assert not Submission.objects.exists() and not dispatched
    assert not [p for p in (private_roots / "submissions").rglob("*") if p.is_file()]
    assert quota_status(user=owner, phase=phase).daily_used == 0


def test_marking_verified_is_idempotent_and_keeps_the_first_date(user):
    first = user.verification.verified_at
    account_mark_verified(user=user)
    account_verification_start(user=user)
    user.verification.refresh_from_db()
    assert account_is_verified(user=user) and user.verification.verified_at == first


def test_token_issue_create_makes_a_verified_account():
    call_command("token_issue", "operator-made", "--create", stdout=StringIO())
    assert account_is_verified(user=get_user_model().objects.get(username="operator-made"))


@pytest.mark.django_db(transaction=True)
def test_the_migration_marks_every_existing_account_verified():
    executor = MigrationExecutor(connection)
    before = [("leaderboard", "0012_reference_baselines")]
    after = [("leaderboard", "0013_account_verification")]
    executor.migrate(before)
    old_user = executor.loader.project_state(before).apps.get_model("auth", "User")
    old_user.objects.create(username="veteran", password="!")
    old_user.objects.create(username="baselines", password="!", is_active=False)
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    for name in ("veteran", "baselines"):
        assert account_is_verified(user=get_user_model().objects.get(username=name))


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SPARSEBENCH_EMAIL_BACKEND": "smtp"}, "needs SPARSEBENCH_EMAIL_HOST"),
        ({"SPARSEBENCH_EMAIL_BACKEND": "pigeon"}, "is not one of console, smtp"),
        ({"SPARSEBENCH_EMAIL_FROM": "nobody"}, "is not an e-mail address"),
        ({"SPARSEBENCH_EMAIL_PORT": "99999"}, "above the highest port"),
        ({"SPARSEBENCH_EMAIL_USER": "mailer"}, "go together"),
        ({"SPARSEBENCH_EMAIL_SECURITY": "maybe"}, "is not one of starttls, ssl, none"),
    ],
)
def test_mail_settings_refuse_a_malformed_variable_by_name(monkeypatch, env, message):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        mail_config()


def test_mail_settings_default_to_the_console_and_read_smtp(monkeypatch):
    assert mail_config().django()["EMAIL_BACKEND"].endswith("console.EmailBackend")
    smtp = {"BACKEND": "smtp", "HOST": "mail.example.org", "PORT": "465", "SECURITY": "ssl",
            "USER": "mailer", "PASSWORD": "s3cret", "FROM": "Bench <noreply@example.org>"}  # fmt: skip
    for name, value in smtp.items():
        monkeypatch.setenv(f"SPARSEBENCH_EMAIL_{name}", value)
    config = mail_config().django()
    assert config["EMAIL_BACKEND"].endswith("smtp.EmailBackend")
    assert config["EMAIL_HOST"] == "mail.example.org"
    assert (config["EMAIL_PORT"], config["EMAIL_USE_SSL"], config["EMAIL_USE_TLS"]) == (465, True, False)
    assert config["DEFAULT_FROM_EMAIL"] == "Bench <noreply@example.org>"
    assert (config["EMAIL_HOST_USER"], config["EMAIL_HOST_PASSWORD"]) == ("mailer", "s3cret")


def test_a_host_vouches_for_accounts_in_the_admin(client, django_user_model):
    admin_user = django_user_model.objects.create_superuser("root", password="pw-root-1234")
    client.force_login(admin_user)
    signed_up = django_user_model.objects.create_user("nova", email="nova@example.org", password="pw-nova-1")
    account_verification_start(user=signed_up)
    response = client.post(
        "/admin/leaderboard/accountverification/",
        {"action": "mark_verified", "_selected_action": [signed_up.pk]},
    )
    assert response.status_code == 302 and account_is_verified(user=signed_up)
    response = client.post(
        "/admin/leaderboard/accountverification/add/",
        {"user": admin_user.pk, "verified_at_0": "2026-01-02", "verified_at_1": "03:04:05"},
    )
    assert response.status_code == 302 and account_is_verified(user=admin_user)
