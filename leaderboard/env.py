"""Strict readers of environment variables: every setting comes through here and fails closed."""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse


class ConfigError(RuntimeError):
    """An environment variable is present but malformed."""


def env_str(name: str, default: str) -> str:
    """A string variable, `default` when unset or empty."""
    return os.environ.get(name, "").strip() or default


def env_bool(name: str, default: bool) -> bool:
    """A boolean variable: 1/true/yes/on or 0/false/no/off; anything else is an error."""
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean (use true or false)")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    """An integer variable at least `minimum`."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not an integer") from None
    if value < minimum:
        raise ConfigError(f"{name}={value} is below the minimum {minimum}")
    return value


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """One of `choices` (any letter case), `default` when unset or empty."""
    raw = os.environ.get(name, "").strip().lower() or default
    if raw not in choices:
        raise ConfigError(f"{name}={raw!r} is not one of {', '.join(choices)}")
    return raw


def env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated list variable."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return list(default)
    return [part.strip() for part in raw.split(",") if part.strip()]


def env_path(name: str, default: Path) -> Path:
    """A folder path variable, made absolute; one that names an existing file is an error."""
    path = Path(env_str(name, str(default))).expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{name}={str(path)!r} is a file; it must name a folder")
    return path


#: Django REST framework's throttle periods, by their first letter (e.g. 120/min, 10/s, 1000/day).
RATE = re.compile(r"^(?P<count>\d{1,9})/(?P<period>s|sec|second|m|min|minute|h|hour|d|day)$")


def env_rate(name: str, default: str) -> str:
    """A throttle rate: a count per second, minute, hour or day (120/min, 10/s, 5000/day)."""
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if not RATE.match(raw):
        raise ConfigError(f"{name}={raw!r} is not a rate (a count per s, min, hour or day, e.g. 120/min)")
    return raw


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def env_log_level(name: str, default: str) -> str:
    """A logging level name, in any letter case."""
    raw = os.environ.get(name, "").strip().upper() or default
    if raw not in LOG_LEVELS:
        raise ConfigError(f"{name}={raw!r} is not one of {', '.join(LOG_LEVELS)}")
    return raw


def env_redis_url(name: str) -> str:
    """A Redis URL (redis://, rediss:// or unix://), "" when unset."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return ""
    url = urlparse(raw)
    if url.scheme not in {"redis", "rediss", "unix"} or not (url.hostname or url.path):
        raise ConfigError(f"{name}={raw!r} is not a Redis URL (e.g. redis://127.0.0.1:6379/1)")
    try:
        url.port  # noqa: B018  (a port that is not a number raises here)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} has a port that is not a number") from None
    return raw


#: A host name or address to listen on: letters, digits, dots, hyphens, and the colons of IPv6.
HOST = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$")


def env_host(name: str, default: str) -> str:
    """A host name or IP address (no scheme, port or path)."""
    raw = env_str(name, default)
    if not HOST.match(raw):
        raise ConfigError(f"{name}={raw!r} is not a host name or IP address (e.g. 127.0.0.1 or 0.0.0.0)")
    return raw


def env_hex_secret(name: str, *, min_bytes: int) -> bytes | None:
    """A secret given as hex digits (at least `min_bytes` bytes), or None when unset."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    try:
        value = bytes.fromhex(raw)
    except ValueError:
        raise ConfigError(f"{name} is not hexadecimal (generate one with: openssl rand -hex 32)") from None
    if len(value) < min_bytes:
        raise ConfigError(f"{name} holds {len(value)} bytes; at least {min_bytes} are required")
    return value


def secret_key(name: str, key_file: Path) -> str:
    """The secret key from `name`, else from `key_file` (created with a random key on first use)."""
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    key_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    value = secrets.token_urlsafe(50)
    try:  # created with mode 0600: never readable by others, not even for an instant
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use that key
        return key_file.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(value)
    return value


@dataclass(frozen=True)
class DatabaseConfig:
    """A parsed DATABASE_URL."""

    engine: str
    name: str
    user: str = ""
    password: str = ""
    host: str = ""
    port: str = ""

    def django(self) -> dict:
        """The dict Django's DATABASES setting expects."""
        config = {"ENGINE": self.engine, "NAME": self.name}
        if self.engine == "django.db.backends.sqlite3":
            config["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 30}
        else:
            config.update(USER=self.user, PASSWORD=self.password, HOST=self.host, PORT=self.port)
            config["CONN_MAX_AGE"] = 60
        return config


def database_url(name: str, default: str) -> DatabaseConfig:
    """Parse sqlite:///path or postgres://user:pass@host:port/db; other schemes are errors."""
    raw = env_str(name, default)
    url = urlparse(raw)
    if url.scheme == "sqlite":
        path = unquote(url.path)
        if not path or path == "/":
            raise ConfigError(f"{name}={raw!r} has no database file path")
        if raw.startswith("sqlite:////"):
            db_path = path
        else:
            db_path = path[1:] if path.startswith("/") else path
        return DatabaseConfig(engine="django.db.backends.sqlite3", name=str(Path(db_path).resolve()))
    if url.scheme in {"postgres", "postgresql", "pgsql"}:
        db = url.path.lstrip("/")
        if not db:
            raise ConfigError(f"{name}={raw!r} names no database")
        return DatabaseConfig(
            engine="django.db.backends.postgresql",
            name=unquote(db),
            user=unquote(url.username or ""),
            password=unquote(url.password or ""),
            host=url.hostname or "",
            port=str(url.port or ""),
        )
    raise ConfigError(f"{name}={raw!r}: unsupported scheme {url.scheme!r} (use sqlite:/// or postgres://)")


def env_proxy_ssl_header(name: str) -> tuple[str, str] | None:
    """The header a TLS-terminating proxy sets to "https" (e.g. X-Forwarded-Proto) as Django's
    SECURE_PROXY_SSL_HEADER pair; None when unset. Only for a proxy that always sets or strips it."""
    raw = env_str(name, "")
    if not raw:
        return None
    if not all(c.isascii() and (c.isalnum() or c == "-") for c in raw):
        raise ConfigError(f"{name}={raw!r} is not a header name (e.g. X-Forwarded-Proto)")
    return f"HTTP_{raw.upper().replace('-', '_')}", "https"


MAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
}


@dataclass(frozen=True)
class MailConfig:
    """How the service sends e-mail (the verification links): printed on the console or through SMTP."""

    backend: str
    sender: str
    host: str = ""
    port: int = 587
    user: str = ""
    password: str = ""
    security: str = "starttls"
    timeout_s: int = 10

    def django(self) -> dict:
        """The EMAIL_* settings Django's mail backends read."""
        return {
            "EMAIL_BACKEND": MAIL_BACKENDS[self.backend],
            "DEFAULT_FROM_EMAIL": self.sender,
            "EMAIL_HOST": self.host or "localhost",
            "EMAIL_PORT": self.port,
            "EMAIL_HOST_USER": self.user,
            "EMAIL_HOST_PASSWORD": self.password,
            "EMAIL_USE_TLS": self.security == "starttls",
            "EMAIL_USE_SSL": self.security == "ssl",
            "EMAIL_TIMEOUT": self.timeout_s,
        }


def mail_config(prefix: str = "SPARSEBENCH_EMAIL_") -> MailConfig:
    """The mail settings from <prefix>BACKEND, FROM, HOST, PORT, USER, PASSWORD, SECURITY and TIMEOUT;
    SMTP needs a host, and the sender must look like an address."""
    backend = env_choice(f"{prefix}BACKEND", "console", tuple(MAIL_BACKENDS))
    sender = env_str(f"{prefix}FROM", "Sparsebench <sparsebench@localhost>")
    address = sender.rsplit("<", 1)[-1].rstrip(">").strip()
    local, _, domain = address.partition("@")
    if not local or not domain or any(c.isspace() for c in address):
        raise ConfigError(f"{prefix}FROM={sender!r} is not an e-mail address (e.g. noreply@example.org)")
    host = env_host(f"{prefix}HOST", "") if os.environ.get(f"{prefix}HOST", "").strip() else ""
    if backend == "smtp" and not host:
        raise ConfigError(f"{prefix}BACKEND=smtp needs {prefix}HOST (the SMTP server's name)")
    port = env_int(f"{prefix}PORT", 587, minimum=1)
    if port > 65535:
        raise ConfigError(f"{prefix}PORT={port} is above the highest port 65535")
    user, password = env_str(f"{prefix}USER", ""), os.environ.get(f"{prefix}PASSWORD", "")
    if bool(user) != bool(password):
        raise ConfigError(f"{prefix}USER and {prefix}PASSWORD go together: set both or neither")
    return MailConfig(
        backend=backend,
        sender=sender,
        host=host,
        port=port,
        user=user,
        password=password,
        security=env_choice(f"{prefix}SECURITY", "starttls", ("starttls", "ssl", "none")),
        timeout_s=env_int(f"{prefix}TIMEOUT", 10, minimum=1),
    )
