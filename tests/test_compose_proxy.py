"""docker-compose puts a buffering reverse proxy (nginx) in front of gunicorn, so that slow clients wait on
nginx, never on a gunicorn thread; the proxy's limits agree with the application's (no Docker here: the
compose file and the nginx configuration are parsed)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from leaderboard.middleware import FORM_ALLOWANCE_BYTES

REPO = Path(__file__).resolve().parents[1]
UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def _services() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))["services"]


def _nginx_conf_path() -> Path:
    """The host file the proxy service mounts as its site configuration."""
    mounts = [v.split(":") for v in _services()["proxy"]["volumes"]]
    host = [m[0] for m in mounts if m[1].startswith("/etc/nginx/")]
    assert len(host) == 1, f"the proxy should mount one nginx configuration: {mounts}"
    return (REPO / host[0]).resolve()


def _uncommented(line: str) -> str:
    """A configuration line without its comment (a # outside quotes)."""
    quote = ""
    for i, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#":
            return line[:i]
    return line


def _directives() -> dict[str, list[str]]:
    """Every directive of the nginx configuration (comments dropped): name -> the argument strings."""
    lines = _nginx_conf_path().read_text(encoding="utf-8").splitlines()
    text = "\n".join(_uncommented(line) for line in lines)
    found: dict[str, list[str]] = {}
    for statement in re.findall(r"([a-z_]+)\s+((?:'[^']*'|\"[^\"]*\"|[^;{}'\"])*);", text):
        found.setdefault(statement[0], []).append(statement[1].strip())
    return found


def _seconds(value: str) -> float:
    number, unit = re.fullmatch(r"(\d+)(ms|s|m)?", value).groups()
    return int(number) * {"ms": 0.001, "s": 1, "m": 60, None: 1}[unit]


def _bytes(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kmg]?)", value.lower()).groups()
    return int(number) * UNITS[unit]


def _env_example_value(name: str) -> str:
    text = (REPO / ".env.example").read_text(encoding="utf-8")
    return re.search(rf"^{name}=(\S*)", text, flags=re.M).group(1)


def test_only_the_proxy_is_published_and_web_is_reached_through_it():
    services = _services()
    assert services["proxy"]["image"].startswith("nginx:")
    assert services["proxy"]["ports"] == ["8000:8080"]
    published = [name for name, service in services.items() if service.get("ports")]
    assert published == ["proxy"], f"only the proxy may publish a port, not {published}"
    assert "--bind 0.0.0.0:8000" in services["web"]["command"]
    assert _directives()["server"] == ["web:8000"] and _directives()["listen"] == ["8080"]


def test_the_proxy_buffers_requests_and_responses_and_bounds_slow_clients():
    directives = _directives()
    for name in ("proxy_request_buffering", "proxy_buffering"):
        assert directives.get(name, ["on"]) == ["on"], f"{name} must stay on (slow clients wait on nginx)"
    assert _seconds(directives["client_header_timeout"][0]) <= 15
    assert _seconds(directives["client_body_timeout"][0]) <= 30
    assert _seconds(directives["send_timeout"][0]) <= 60
    assert directives["limit_conn"] and directives["limit_conn_zone"]
    gunicorn_timeout = int(re.search(r"--timeout (\d+)", _services()["web"]["command"]).group(1))
    assert _seconds(directives["proxy_read_timeout"][0]) > gunicorn_timeout


def test_the_proxy_refuses_bodies_over_the_application_ceiling_before_reading_them():
    ceiling = int(_env_example_value("SPARSEBENCH_UPLOAD_MAX_BYTES")) + FORM_ALLOWANCE_BYTES
    assert _bytes(_directives()["client_max_body_size"][0]) == ceiling


def test_the_proxy_names_the_client_and_web_trusts_exactly_one_proxy():
    headers = dict(v.split(None, 1) for v in _directives()["proxy_set_header"])
    assert headers["X-Forwarded-For"] == "$remote_addr", "replace, never append, the header"
    for name in ("web", "worker-cpu", "worker-gpu", "scheduler"):
        assert _services()[name]["environment"]["SPARSEBENCH_PROXIES"] == "1"


def test_the_proxy_refuses_an_oversized_body_in_json_naming_the_same_ceiling():
    import json

    ceiling = int(_env_example_value("SPARSEBENCH_UPLOAD_MAX_BYTES")) + FORM_ALLOWANCE_BYTES
    directives = _directives()
    assert directives["error_page"] == ["413 @too_large"] and "application/json" in directives["default_type"]
    (answer,) = [v for v in directives["return"] if v.startswith("413 ")]
    body = json.loads(answer.removeprefix("413 ").strip("'"))
    assert body["limit_bytes"] == ceiling and "nothing was read or stored" in body["detail"]
