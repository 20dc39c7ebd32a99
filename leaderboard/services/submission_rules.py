"""The submission rules, in one place: text field limits, URL schemes, exactly one payload sent once, the
accepted kinds and extensions. The portal form and the API serializer only parse and pass values here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from leaderboard.models import Phase
from leaderboard.selectors.formats import format_specs, phase_code_refusal, phase_takes_extension
from leaderboard.services.payloads import config_problem, config_text_parse, payload_extension

METHOD_NAME_MAX = 120
DESCRIPTION_MAX = 10_000
URL_MAX = 200
URL_SCHEMES = ("http", "https")


@dataclass(frozen=True)
class SubmissionInput:
    """The submission's fields as the rules read them: text trimmed, URLs with their scheme, the config
    parsed, and the payload's kind ("file", "config", or "" when the payload is refused)."""

    method_name: str
    description: str
    paper_url: str
    code_url: str
    kind: str
    upload: Any
    config: dict | None


def _add(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _url_with_scheme(value: str) -> str:
    """A URL typed without a scheme ("example.org/paper") read as https, as browsers do."""
    if value and "://" not in value and not urlsplit(value).scheme:
        return f"https://{value}"
    return value


def _check_text(errors: dict, *, method_name: str, description: str, urls: dict[str, str]) -> dict[str, str]:
    """Add the free-text fields' problems to `errors`; returns the URLs as stored."""
    if not method_name:
        _add(errors, "method_name", "a method name is required")
    elif len(method_name) > METHOD_NAME_MAX:
        _add(errors, "method_name", f"at most {METHOD_NAME_MAX} characters (this one has {len(method_name)})")
    if len(description) > DESCRIPTION_MAX:
        _add(errors, "description", f"at most {DESCRIPTION_MAX} characters (this one has {len(description)})")
    for field, value in (("method_name", method_name), ("description", description)):
        if "\x00" in value:
            _add(errors, field, "must not contain NUL characters")
    validator, stored = URLValidator(schemes=list(URL_SCHEMES)), {}
    for field, value in urls.items():
        stored[field] = _url_with_scheme(value)
        if not value:
            continue
        if len(stored[field]) > URL_MAX:
            _add(errors, field, f"at most {URL_MAX} characters")
            continue
        try:
            validator(stored[field])
        except ValidationError:
            _add(errors, field, f"not an http(s) URL: {value}")
    return stored


def accepted_kinds(*, phase: Phase) -> dict[str, list[str]]:
    """Accepted kinds of the phase's benchmark -> allowed extensions (empty list: any)."""
    kinds: dict[str, list[str]] = {}
    for fmt in format_specs(benchmark=phase.benchmark):
        kinds.setdefault(str(fmt.kind), []).extend(fmt.extensions)
    return kinds


def _payload_needed(kinds: dict[str, list[str]]) -> tuple[str, str]:
    """The field and message for a submission that sent no payload."""
    if "file" in kinds and "config" not in kinds:
        return "upload", "this benchmark needs a file"
    if "config" in kinds and "file" not in kinds:
        return "config", "this benchmark needs a configuration (JSON)"
    return "upload", "send a file or a configuration (JSON), one of the two"


def _check_file(errors: dict, *, phase: Phase, kinds: dict[str, list[str]], upload) -> None:
    """Add the problems of an uploaded file's kind, extension and emptiness."""
    if "file" not in kinds:
        _add(errors, "upload", "this benchmark accepts a JSON config, not a file")
        return
    name = PurePath(getattr(upload, "name", "") or "").name
    shown_name = name or "the file"
    ext, allowed = payload_extension(filename=name), kinds["file"]
    if allowed and ext not in allowed:
        _add(errors, "upload", f"{shown_name}: expected {', '.join(f'.{e}' for e in allowed)}")
    elif not phase_takes_extension(phase=phase, extension=ext):
        _add(errors, "upload", phase_code_refusal(phase=phase, filename=shown_name))
    elif getattr(upload, "size", None) == 0:
        _add(errors, "upload", f"{shown_name}: the file is empty")


def _check_payload(
    errors: dict, *, phase: Phase | None, upload, config, upload_parts: int, config_parts: int
) -> tuple[str, dict | None]:
    """Add the payload's problems (one payload, sent once, of a kind and extension the phase takes);
    returns its kind ("" when refused or unknown) and the parsed config."""
    if upload_parts > 1:
        _add(errors, "upload", f"{upload_parts} files were sent; send exactly one")
    if config_parts > 1:
        _add(errors, "config", f"the configuration was sent {config_parts} times; send exactly one")
    if upload_parts > 1 or config_parts > 1:
        return "", None
    if upload is not None and config is not None:
        _add(errors, "upload", "send either a file or a configuration, not both")
        return "", None
    if isinstance(config, str):
        try:
            config = config_text_parse(text=config)
        except ValueError as exc:
            _add(errors, "config", str(exc))
            return "", None
    if phase is None:
        return ("file" if upload is not None else "config" if config is not None else ""), config
    kinds = accepted_kinds(phase=phase)
    if upload is None and config is None:
        _add(errors, *_payload_needed(kinds))
        return "", None
    if upload is not None:
        _check_file(errors, phase=phase, kinds=kinds, upload=upload)
        return "file", None
    if "config" not in kinds:
        _add(errors, "config", "this benchmark accepts a file upload, not a JSON config")
    elif problem := config_problem(config=config):
        _add(errors, "config", problem)
    return "config", config


def submission_input_check(
    *,
    phase: Phase | None,
    method_name: str = "",
    description: str = "",
    paper_url: str = "",
    code_url: str = "",
    upload=None,
    config: dict | str | None = None,
    upload_parts: int | None = None,
    config_parts: int | None = None,
) -> tuple[SubmissionInput, dict[str, list[str]]]:
    """Apply every submission rule; returns the fields as stored and the problems by field (service names:
    "upload" for the file). ``config`` may be the JSON text as sent; ``*_parts`` count the form parts sent
    (default: one when the value is given). Without a phase, only the phase-independent rules apply."""
    errors: dict[str, list[str]] = {}
    method_name, description = (method_name or "").strip(), description or ""
    urls = _check_text(
        errors,
        method_name=method_name,
        description=description,
        urls={"paper_url": (paper_url or "").strip(), "code_url": (code_url or "").strip()},
    )
    kind, parsed = _check_payload(
        errors,
        phase=phase,
        upload=upload,
        config=config,
        upload_parts=int(upload is not None) if upload_parts is None else upload_parts,
        config_parts=int(config is not None) if config_parts is None else config_parts,
    )
    fields = SubmissionInput(
        method_name=method_name,
        description=description,
        paper_url=urls["paper_url"],
        code_url=urls["code_url"],
        kind=kind,
        upload=upload if kind == "file" else None,
        config=parsed if kind == "config" else None,
    )
    return fields, errors
