"""`manage.py check --deploy`: silent with the TLS variables set; the embedded defaults (plain HTTP on
127.0.0.1) keep the four TLS warnings; the settings act on requests as documented."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from leaderboard.env import ConfigError, env_proxy_ssl_header

ROOT = Path(__file__).resolve().parents[2]
TLS = {
    "DJANGO_SECURE_SSL_REDIRECT": "true",
    "DJANGO_SESSION_COOKIE_SECURE": "true",
    "DJANGO_CSRF_COOKIE_SECURE": "true",
    "DJANGO_SECURE_HSTS_SECONDS": "31536000",
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "DJANGO_SECURE_HSTS_PRELOAD": "true",
    "DJANGO_SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
}
#: What the embedded default (plain HTTP, no proxy) is warned about, on purpose.
PLAIN_HTTP_WARNINGS = {"security.W004", "security.W008", "security.W012", "security.W016"}


def check_deploy(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess:
    """`manage.py check --deploy --fail-level WARNING` in a fresh var dir with only `variables` set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPARSEBENCH_", "DJANGO_", "DATABASE_"))}
    env.update(SPARSEBENCH_VAR_DIR=str(tmp_path / "var"), CELERY_BROKER_URL="memory://", **variables)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_check_deploy_reports_nothing_with_the_tls_variables_set(tmp_path):
    done = check_deploy(tmp_path, **TLS)
    assert done.returncode == 0, done.stderr
    assert "no issues" in done.stdout and "security.W" not in done.stdout + done.stderr


def test_the_embedded_defaults_keep_plain_http_and_only_the_tls_warnings(tmp_path):
    done = check_deploy(tmp_path)
    found = {word.rstrip(")").lstrip("(") for word in done.stderr.split() if word.startswith("(security.")}
    assert done.returncode == 1 and found == PLAIN_HTTP_WARNINGS, done.stderr


def test_a_malformed_tls_variable_stops_the_service_in_one_line(tmp_path):
    done = check_deploy(tmp_path, DJANGO_SECURE_HSTS_SECONDS="a year")
    assert done.returncode == 1
    assert done.stderr.strip() == "configuration error: DJANGO_SECURE_HSTS_SECONDS='a year' is not an integer"


def test_the_proxy_header_is_a_header_name(monkeypatch):
    monkeypatch.setenv("DJANGO_SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto")
    assert env_proxy_ssl_header("DJANGO_SECURE_PROXY_SSL_HEADER") == ("HTTP_X_FORWARDED_PROTO", "https")
    monkeypatch.setenv("DJANGO_SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto: https")
    with pytest.raises(ConfigError, match="is not a header name"):
        env_proxy_ssl_header("DJANGO_SECURE_PROXY_SSL_HEADER")


@pytest.mark.django_db
def test_behind_a_tls_proxy_http_is_redirected_and_https_gets_hsts(client, settings):
    settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS = True, 3600
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    plain = client.get("/accounts/login/")
    assert plain.status_code == 301 and plain["Location"] == "https://testserver/accounts/login/"
    secure = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert secure.status_code == 200 and secure["Strict-Transport-Security"].startswith("max-age=3600")
    assert client.get("/healthz").status_code != 301  # probes inside the network may use plain HTTP
