"""Where the client finds its server URL and token: flags, environment, then the login config file."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class ClientConfig:
    """The resolved server URL and API token (empty when not logged in)."""

    url: str
    token: str


def config_path() -> Path:
    """The login file: $SPARSEBENCH_CONFIG, else ($XDG_CONFIG_HOME or ~/.config)/sparsebench/config.json."""
    explicit = os.environ.get("SPARSEBENCH_CONFIG", "").strip()
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME", "").strip() or str(Path.home() / ".config")
    return Path(base).expanduser() / "sparsebench" / "config.json"


def config_read(*, path: Path) -> dict:
    """The stored config dict ({} when absent); ValueError names the file when it is not a JSON object."""
    if not path.exists():
        return {}
    named = " (SPARSEBENCH_CONFIG)" if os.environ.get("SPARSEBENCH_CONFIG", "").strip() else ""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"cannot read config file {path}{named}: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"config file {path} does not hold a JSON object")
    return data


def config_write(*, path: Path, url: str, token: str) -> None:
    """Store the URL and token in `path`, readable by the owner only (mode 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"url": url, "token": token}, handle)
    path.chmod(0o600)


def config_resolve(*, url_flag: str | None, path: Path) -> ClientConfig:
    """URL from --url, $SPARSEBENCH_URL, the config file, else the default; token from env then file."""
    stored = config_read(path=path)
    sources = (
        ("--url", url_flag or ""),
        ("SPARSEBENCH_URL", os.environ.get("SPARSEBENCH_URL", "").strip()),
        (f"the url in {path}", str(stored.get("url") or "")),
    )
    source, url = next(((name, value) for name, value in sources if value), ("the default", DEFAULT_URL))
    parsed = urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError(f"{source}={url!r} is not an http(s) URL (e.g. {DEFAULT_URL})")
    token = os.environ.get("SPARSEBENCH_TOKEN", "").strip() or str(stored.get("token") or "")
    return ClientConfig(url=str(url).rstrip("/"), token=token)
