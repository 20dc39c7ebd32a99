"""The HTTP side of the client: one requests session, JSON in and out, server errors as ApiError."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import requests

API_PREFIX = "/api/v1"
TIMEOUT_S = 60.0


class ApiError(Exception):
    """The server refused a request (status >= 400) or could not be reached (status 0)."""

    def __init__(self, *, status: int, message: str, field_errors: Mapping[str, list[str]] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.field_errors = dict(field_errors or {})

    def describe(self) -> str:
        """The message followed by one line per field error."""
        lines = [f"error (HTTP {self.status}): {self.message}" if self.status else f"error: {self.message}"]
        for field, messages in self.field_errors.items():
            for message in messages:
                lines.append(f"  {field}: {message}")
        return "\n".join(lines)


def reason_text(exc: Exception) -> str:
    """A short reason for a failed connection ("Connection refused", "timed out"...)."""
    text = str(exc)
    found = re.search(r"\[Errno -?\d+\] ([^\"')]+)", text)
    if found:
        return found.group(1).strip()
    if isinstance(exc, requests.Timeout):
        return f"no answer within {TIMEOUT_S:.0f} s"
    return type(exc).__name__


def _flatten(messages: Any) -> list[str]:
    """Field messages as a flat list of strings (DRF nests lists and dicts)."""
    if isinstance(messages, list):
        return [text for item in messages for text in _flatten(item)]
    if isinstance(messages, dict):
        return [f"{key}: {text}" for key, value in messages.items() for text in _flatten(value)]
    return [str(messages)]


def _csv_error_body(text: str) -> dict[str, list[str]] | None:
    """The `field,message` rows of an error answered as CSV (the leaderboard export's errors), or None."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or rows[0] != ["field", "message"]:
        return None
    body: dict[str, list[str]] = {}
    for row in rows[1:]:
        if len(row) == 2:
            body.setdefault(row[0], []).append(row[1])
    return body


def error_from_response(response: requests.Response) -> ApiError:
    """Turn an error response into an ApiError carrying the server's detail and field messages."""
    try:
        body = response.json()
    except ValueError:
        body = _csv_error_body(response.text)
    if isinstance(body, dict) and isinstance(body.get("detail"), list):
        body["detail"] = " ".join(body["detail"])
    if body is None:
        text = response.text.strip().splitlines()
        return ApiError(status=response.status_code, message=(text[0] if text else response.reason) or "")
    if not isinstance(body, dict):
        return ApiError(status=response.status_code, message=str(body))
    detail = body.get("detail")
    fields = {
        key: _flatten(value)
        for key, value in body.items()
        if key not in {"detail", "quota", "limit_bytes", "size_bytes", "code"}
    }
    message = str(detail) if detail else (response.reason or "request failed")
    if "quota" in body and isinstance(body["quota"], dict):
        quota = body["quota"]
        message += (
            f" (today {quota.get('daily_used')}/{quota.get('daily_limit')},"
            f" total {quota.get('total_used')}/{quota.get('total_limit')})"
        )
    return ApiError(status=response.status_code, message=message, field_errors=fields)


class ApiClient:
    """A thin wrapper over the /api/v1/ endpoints; every method returns parsed JSON or text."""

    def __init__(self, *, url: str, token: str = "", session: requests.Session | None = None) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.session = session or requests.Session()
        self.session.headers["Accept"] = "application/json"
        if token:
            self.session.headers["Authorization"] = f"Token {token}"

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send one request; connection failures and error statuses raise ApiError."""
        try:
            url = f"{self.url}{API_PREFIX}{path}"
            response = self.session.request(method, url, timeout=TIMEOUT_S, **kwargs)
        except requests.RequestException as exc:
            raise ApiError(status=0, message=f"cannot reach {self.url}: {reason_text(exc)}") from None
        if response.status_code >= 400:
            raise error_from_response(response)
        return response

    def token_obtain(self, *, username: str, password: str) -> str:
        """Exchange credentials for the user's API token."""
        body = self._request("POST", "/auth/token/", data={"username": username, "password": password}).json()
        return str(body["token"])

    def benchmarks_list(self) -> list[dict]:
        """Every visible benchmark."""
        body = self._request("GET", "/benchmarks/").json()
        return body["results"] if isinstance(body, dict) and "results" in body else body

    def benchmark_get(self, *, slug: str) -> dict:
        """One benchmark with its phases, metrics and (when logged in) remaining quota."""
        return self._request("GET", f"/benchmarks/{slug}/").json()

    def leaderboard_get(self, *, slug: str, params: Mapping[str, Any], csv: bool = False) -> dict | str:
        """A leaderboard page as JSON, or the CSV text when `csv`."""
        query = {key: value for key, value in params.items() if value is not None}
        path = f"/benchmarks/{slug}/leaderboard/"
        if csv:
            query["format"] = "csv"
            return self._request("GET", path, params=query, headers={"Accept": "text/csv"}).text
        return self._request("GET", path, params=query).json()

    def submission_create(
        self, *, fields: Mapping[str, str], file: Path | None = None, config: str | None = None
    ) -> dict:
        """Upload a file (multipart) or a JSON config; returns the created submission."""
        parts: dict[str, Any] = {key: (None, value) for key, value in fields.items() if value}
        if config is not None:
            parts["config"] = (None, config)
        if file is None:
            return self._request("POST", "/submissions/", files=parts).json()
        with file.open("rb") as handle:
            parts["file"] = (file.name, handle)
            return self._request("POST", "/submissions/", files=parts).json()

    def submission_get(self, *, submission_id: int) -> dict:
        """A submission's status, progress, stage, error and visible scores."""
        return self._request("GET", f"/submissions/{submission_id}/").json()

    def submission_cancel(self, *, submission_id: int) -> dict:
        """Cancel a queued or running submission."""
        return self._request("POST", f"/submissions/{submission_id}/cancel/").json()


def config_text(*, value: str) -> str:
    """The JSON text of --config: the value itself, or the content of the file it names; must parse."""
    candidate = Path(value).expanduser()
    is_path = not value.lstrip().startswith("{") and candidate.is_file()
    text = candidate.read_text(encoding="utf-8") if is_path else value
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"--config is not valid JSON: {exc}") from None
    if not isinstance(parsed, dict):
        raise ValueError("--config must be a JSON object")
    return text
