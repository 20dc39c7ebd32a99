"""The API's exception handler: service refusals and ORM not-found mapped to HTTP responses."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import exception_handler

from leaderboard.apis.outputs import QuotaSerializer
from leaderboard.services.errors import (
    AccountUnverified,
    InvalidTransition,
    NotAllowed,
    PayloadTooLarge,
    PhaseClosed,
    QuotaExceeded,
    ServiceError,
    StorageUnavailable,
    SubmissionInputError,
    UploadRefused,
)


def quota_body(*, quota) -> dict:
    """A QuotaStatus as JSON, by the serializer that documents it (one source for its shape)."""
    return dict(QuotaSerializer(quota).data)


#: service field names -> the API form's names for the same field
API_FIELD_NAMES = {"upload": "file"}


def api_field_errors(*, field_errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """The service's field errors under the API form's names (the service's "upload" is the API's "file")."""
    return {API_FIELD_NAMES.get(name, name): list(messages) for name, messages in field_errors.items()}


def too_large_response(*, limit_bytes: int, size_bytes: int) -> Response:
    """413 naming the limit and the size; nothing has been stored when this is sent."""
    return Response(
        {
            "detail": f"payload of {size_bytes} bytes exceeds the {limit_bytes}-byte limit; nothing stored",
            "limit_bytes": limit_bytes,
            "size_bytes": size_bytes,
        },
        status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    )


def service_error_response(*, error: ServiceError) -> Response:
    """The response for a service refusal: 400, 403, 409, 413, 429, or 507/503 (storage) with a clear body."""
    if isinstance(error, UploadRefused | SubmissionInputError):
        fields = api_field_errors(field_errors=error.field_errors)
        summary = {"detail": error.summary} if isinstance(error, UploadRefused) else {}
        return Response({**summary, **fields}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(error, PayloadTooLarge):
        return too_large_response(limit_bytes=error.limit_bytes, size_bytes=error.size_bytes)
    if isinstance(error, QuotaExceeded):
        return Response(
            {"detail": str(error), "quota": quota_body(quota=error.quota)},
            status=status.HTTP_429_TOO_MANY_REQUESTS,
        )
    if isinstance(error, AccountUnverified):
        body = {"detail": str(error), "code": "account_unverified", "verification_url": "/accounts/verify/"}
        return Response(body, status=status.HTTP_403_FORBIDDEN)
    if isinstance(error, PhaseClosed | NotAllowed):
        return Response({"detail": str(error)}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(error, InvalidTransition):
        return Response({"detail": str(error)}, status=status.HTTP_409_CONFLICT)
    if isinstance(error, StorageUnavailable):
        code = status.HTTP_507_INSUFFICIENT_STORAGE if error.full else status.HTTP_503_SERVICE_UNAVAILABLE
        return Response({"detail": str(error), "storage": error.area}, status=code)
    return Response({"detail": str(error)}, status=status.HTTP_503_SERVICE_UNAVAILABLE)


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """The API's one exception handler (REST_FRAMEWORK["EXCEPTION_HANDLER"]): service refusals rendered,
    any ORM not-found (an ObjectDoesNotExist) a 404, everything else as DRF renders it (None: a 500)."""
    if isinstance(exc, ServiceError):
        return service_error_response(error=exc)
    if isinstance(exc, ObjectDoesNotExist):
        exc = NotFound(str(exc) or "not found")
    return exception_handler(exc, context)
