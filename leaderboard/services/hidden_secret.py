"""The deployment secret every hidden item derives from, and the build record that ties data to it."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from evaluator.hidden import SECRET_MIN_BYTES, HiddenKey, secret_id
from leaderboard.services.errors import BenchmarkDataError

SECRET_FILE = ".hidden-secret"
SECRET_VARIABLE = "SPARSEBENCH_HIDDEN_SECRET"
BUILD_RECORD = "build.json"


class HiddenSecretError(BenchmarkDataError):
    """The deployment secret is missing, malformed, or not the one the hidden data was built with."""


@dataclass(frozen=True)
class BuildRecord:
    """What a data folder was made from: its origin, public seed and the secret's public fingerprint."""

    origin: str
    public_seed: int | None
    secret_id: str


def hidden_secret_file() -> Path:
    """DATA_ROOT/.hidden-secret: the secret's file when the environment gives none (mode 0600)."""
    return Path(settings.DATA_ROOT) / SECRET_FILE


def hidden_data_dirs() -> list[Path]:
    """Every DATA_ROOT/<slug>/<version>/hidden folder made with a secret (its build record says so).

    Data from before secrets existed (no build.json) was made from public seeds: it binds no secret."""
    root = Path(settings.DATA_ROOT)
    if not root.is_dir():
        return []
    return sorted(
        p
        for p in root.glob("*/*/hidden")
        if p.is_dir() and not p.parent.name.startswith(".") and (p.parent / BUILD_RECORD).is_file()
    )


def _read_file(path: Path) -> bytes:
    """The secret stored in `path` as hex; HiddenSecretError naming the file when malformed."""
    try:
        value = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (ValueError, UnicodeDecodeError):
        raise HiddenSecretError(f"{path} does not hold a hexadecimal secret") from None
    if len(value) < SECRET_MIN_BYTES:
        raise HiddenSecretError(f"{path} holds {len(value)} bytes; at least {SECRET_MIN_BYTES} are required")
    return value


def _create_file(path: Path) -> bytes:
    """Write a fresh random secret to `path` with mode 0600 (exclusive create; a racing writer wins)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_bytes(SECRET_MIN_BYTES)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_file(path)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(value.hex() + "\n")
    return value


def deployment_secret() -> bytes:
    """The secret from SPARSEBENCH_HIDDEN_SECRET, else DATA_ROOT/.hidden-secret, else a new one.

    A new secret is created only while no hidden data exists: a deployment that holds hidden data but
    has lost its secret is refused, rather than building different hidden data silently."""
    if settings.HIDDEN_SECRET:
        return bytes(settings.HIDDEN_SECRET)
    path = hidden_secret_file()
    if path.is_file():
        return _read_file(path)
    existing = hidden_data_dirs()
    if existing:
        raise HiddenSecretError(
            f"no deployment secret: {path} is missing and {SECRET_VARIABLE} is unset, but {existing[0]}"
            f" holds hidden data built with one; restore that file (or set {SECRET_VARIABLE} to the secret"
            " the data was built with). Building now would make different hidden data."
        )
    return _create_file(path)


def hidden_key(*, slug: str, version: str) -> HiddenKey:
    """The deployment secret scoped to one benchmark version (what build() and import_data() receive)."""
    return HiddenKey(secret=deployment_secret(), scope=("sparsebench", slug, version))


def build_record_write(*, data_dir: Path, record: BuildRecord) -> None:
    """Write data_dir/build.json (private: beside public/ and hidden/, never bundled)."""
    payload = {"origin": record.origin, "public_seed": record.public_seed, "secret_id": record.secret_id}
    (Path(data_dir) / BUILD_RECORD).write_text(json.dumps(payload, indent=1), encoding="utf-8")


def build_record_read(*, data_dir: Path) -> BuildRecord | None:
    """The build record of a data folder, or None for data made before records existed."""
    path = Path(data_dir) / BUILD_RECORD
    if not path.is_file():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return BuildRecord(
            origin=str(raw["origin"]), public_seed=raw.get("public_seed"), secret_id=str(raw["secret_id"])
        )
    except (ValueError, KeyError, TypeError):
        raise HiddenSecretError(f"{path} is not a valid build record") from None


def hidden_secret_check(*, data_dir: Path) -> None:
    """Refuse data built with another secret than this deployment's (HiddenSecretError names both ids)."""
    record = build_record_read(data_dir=data_dir)
    if record is None:
        return
    current = secret_id(secret=deployment_secret())
    if record.secret_id != current:
        raise HiddenSecretError(
            f"{data_dir} was built with the secret whose id is {record.secret_id}, but this deployment's"
            f" secret has id {current}: set {SECRET_VARIABLE} (or {hidden_secret_file()}) to the secret the"
            " data was built with, or move that folder away to build new hidden data on purpose"
        )
