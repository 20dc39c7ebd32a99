"""docker-compose.yml holds no literal secret, and every variable it reads is listed in .env.example."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
#: A compose interpolation: ${NAME}, ${NAME:-default}, ${NAME:?message}, $NAME (not $$ escapes).
VARIABLE = re.compile(r"(?<!\$)\$(?:\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|([A-Za-z_][A-Za-z0-9_]*))")
#: A user:password@host part of a URL.
URL_PASSWORD = re.compile(r"://[^:/@\s]+:([^@\s]+)@")


def _compose_text() -> str:
    return (REPO / "docker-compose.yml").read_text(encoding="utf-8")


def _env_example_names() -> set[str]:
    text = (REPO / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, flags=re.M))


def _strings(node) -> list[tuple[str, str]]:
    """Every (key, string value) pair of a parsed YAML tree; list items have the key ''."""
    found: list[tuple[str, str]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str):
                found.append((str(key), value))
            else:
                found.extend(_strings(value))
    elif isinstance(node, list):
        for item in node:
            found.extend((("", item),) if isinstance(item, str) else _strings(item))
    return found


def test_compose_file_passwords_are_variables_never_literals():
    pairs = _strings(yaml.safe_load(_compose_text()))
    secrets = [(k, v) for k, v in pairs if re.search(r"PASSWORD|SECRET|TOKEN", k, flags=re.I)]
    assert secrets, "the compose file should set the database password (from .env)"
    for key, value in secrets:
        assert VARIABLE.fullmatch(value.strip()), f"{key} in docker-compose.yml is a literal: {value!r}"
    for key, value in pairs:
        for password in URL_PASSWORD.findall(value):
            assert VARIABLE.fullmatch(password), f"{key} in docker-compose.yml has a literal URL password"


def test_compose_file_requires_the_database_password_from_env():
    text = _compose_text()
    assert re.search(r"POSTGRES_PASSWORD:\s*\$\{POSTGRES_PASSWORD:\?", text)
    assert "${POSTGRES_PASSWORD:?" in yaml.safe_load(text)["x-app"]["environment"]["DATABASE_URL"]


def test_compose_file_variables_are_all_listed_in_env_example():
    used = {a or b for a, b in VARIABLE.findall(_compose_text())}
    assert "POSTGRES_PASSWORD" in used
    missing = used - _env_example_names()
    assert not missing, f"docker-compose.yml uses variables missing from .env.example: {sorted(missing)}"


def test_compose_variable_pattern_sees_every_form():
    found = VARIABLE.findall("a ${A} b ${B:-x} c ${C:?msg} d $D e $$NOT")
    assert [a or b for a, b in found] == ["A", "B", "C", "D"]
    assert URL_PASSWORD.findall("postgres://u:literal@db:5432/x") == ["literal"]


def test_compose_workers_consume_the_users_and_the_baselines_queues():
    services = yaml.safe_load(_compose_text())["services"]
    queues = {
        name: re.search(r"--queues (\S+)", service["command"]).group(1)
        for name, service in services.items()
        if "worker" in str(service.get("command", "")).split()
    }
    assert queues == {"worker-cpu": "cpu,cpu-baselines", "worker-gpu": "gpu,gpu-baselines"}
