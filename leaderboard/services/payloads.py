"""Payload files: streamed into private storage with a size cap and a sha256, removed on any failure."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePath

from django.conf import settings

from evaluator.jsontext import JsonTextError, json_text_load, json_value_check
from leaderboard.services.errors import PayloadTooLarge, StorageUnavailable

_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredPayload:
    """A payload written to SUBMISSION_ROOT: its name relative to the root, digest and size."""

    name: str
    sha256: str
    size: int


def payload_extension(*, filename: str) -> str:
    """The lower-case extension of an upload's name without the dot ("" when none)."""
    return PurePath(filename).suffix.lower().lstrip(".")


def payload_upload_size(*, upload) -> int | None:
    """The size an upload declares (None when it does not say)."""
    size = getattr(upload, "size", None)
    return int(size) if size is not None else None


def payload_chunks(*, upload):
    """The upload's bytes in blocks (Django chunks, or reads from the start of a file object)."""
    if hasattr(upload, "chunks"):
        yield from upload.chunks()
        return
    if hasattr(upload, "seek"):
        upload.seek(0)
    while True:
        block = upload.read(_CHUNK)
        if not block:
            return
        yield block


def payload_store(*, upload, folder: str, limit_bytes: int) -> StoredPayload:
    """Stream `upload` to SUBMISSION_ROOT/folder/<random><ext>; over the cap: PayloadTooLarge."""
    ext = payload_extension(filename=getattr(upload, "name", "") or "")
    name = f"{folder}/{uuid.uuid4().hex}" + (f".{ext}" if ext else "")
    path = payload_path(name=name)
    digest = hashlib.sha256()
    size = 0
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "xb") as out:
            for block in payload_chunks(upload=upload):
                size += len(block)
                if size > limit_bytes:
                    raise PayloadTooLarge(limit_bytes, size)
                digest.update(block)
                out.write(block)
    except OSError as exc:
        path.unlink(missing_ok=True)
        raise storage_unavailable(area="submission", error=exc) from exc
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return StoredPayload(name=name, sha256=digest.hexdigest(), size=size)


def storage_unavailable(*, area: str, error: OSError, what: str = "upload") -> StorageUnavailable:
    """The refusal for a failed write: full (no space, quota) or otherwise unavailable (read-only...)."""
    full = error.errno in (errno.ENOSPC, errno.EDQUOT)
    reason = "full" if full else (os.strerror(error.errno) if error.errno else str(error)).lower()
    return StorageUnavailable(area=area, reason=reason, full=full, what=what)


def payload_path(*, name: str) -> Path:
    """Absolute path of a stored payload; refuses names that leave SUBMISSION_ROOT."""
    root = Path(settings.SUBMISSION_ROOT).resolve()
    path = (root / name).resolve()
    if root != path and root not in path.parents:
        raise ValueError(f"payload name {name!r} leaves the submission root")
    return path


def payload_delete(*, name: str) -> None:
    """Remove a stored payload file if present."""
    if name:
        payload_path(name=name).unlink(missing_ok=True)


def config_digest(*, config: dict) -> StoredPayload:
    """Digest and size of a JSON config payload, in canonical form (sorted keys, no spaces)."""
    text = json.dumps(config, sort_keys=True, separators=(",", ":"), allow_nan=False).encode("utf-8")
    return StoredPayload(name="", sha256=hashlib.sha256(text).hexdigest(), size=len(text))


def _json_problem_text(error: JsonTextError) -> str:
    """A refusal as plain text, naming the element when there is one: "... (at a.b[2])"."""
    return f"{error.message} (at {error.path})" if error.path else error.message


def config_problem(*, config: object) -> str:
    """Why a config value cannot be stored ("" when it can): an object, bounded nesting and numbers."""
    if not isinstance(config, dict):
        return "the configuration must be a JSON object ({...})"
    try:
        json_value_check(value=config)
    except JsonTextError as exc:
        return _json_problem_text(exc)
    return ""


def config_text_parse(*, text: str) -> dict:
    """Parse a JSON config typed or sent as text (a UTF-8 BOM is allowed); ValueError with a plain message."""
    try:
        value = json_text_load(text=text)
    except JsonTextError as exc:
        raise ValueError(_json_problem_text(exc)) from None
    problem = config_problem(config=value)
    if problem:
        raise ValueError(problem)
    return value
