"""One request-size ceiling on every route, checked on the declared length before the body is read."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

#: Room for the form fields and multipart boundaries on top of the largest accepted file.
FORM_ALLOWANCE_BYTES = 1024 * 1024


def request_ceiling_bytes() -> int:
    """The largest request body accepted anywhere: the global upload cap plus the form allowance."""
    return int(settings.UPLOAD_MAX_BYTES) + FORM_ALLOWANCE_BYTES


def declared_length(*, meta: dict) -> int | None:
    """The request's Content-Length; None when absent; ValueError when not a non-negative integer."""
    raw = meta.get("CONTENT_LENGTH")
    if raw in (None, ""):
        return None
    text = str(raw).strip()
    if not text.isascii() or not text.isdigit() or len(text) > 20:
        raise ValueError(f"Content-Length must be a non-negative integer, got {text[:40]}")
    return int(text)


def _refusal(*, request: HttpRequest, status: int, detail: str, extra: dict) -> HttpResponse:
    """JSON under /api/ (the API's error shape), plain text for the portal."""
    if request.path.startswith("/api/"):
        body = json.dumps({"detail": detail, **extra})
        return HttpResponse(body, status=status, content_type="application/json")
    return HttpResponse(f"{detail}\n", status=status, content_type="text/plain; charset=utf-8")


class RequestSizeLimitMiddleware:
    """Refuse a body over the ceiling (413), a malformed length (400) or a chunked body without one (411).

    Runs first, so neither CSRF nor the form parsers touch the body of a refused request. A body without
    Content-Length is read by Django's WSGI handler as empty; a chunked one is refused so that it is never
    silently taken for an empty form.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        """Check the declared size, then hand the request on."""
        ceiling = request_ceiling_bytes()
        limit = int(settings.UPLOAD_MAX_BYTES)
        try:
            size = declared_length(meta=request.META)
        except ValueError as exc:
            return _refusal(request=request, status=400, detail=str(exc), extra={})
        if size is None and "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            detail = "a request body needs a Content-Length header (chunked uploads are not accepted)"
            return _refusal(request=request, status=411, detail=detail, extra={})
        if size is not None and size > ceiling:
            detail = (
                f"request of {size} bytes exceeds the {limit}-byte upload limit"
                f" (plus {FORM_ALLOWANCE_BYTES} bytes for the form fields); nothing stored"
            )
            return _refusal(
                request=request, status=413, detail=detail, extra={"limit_bytes": limit, "size_bytes": size}
            )
        return self.get_response(request)
