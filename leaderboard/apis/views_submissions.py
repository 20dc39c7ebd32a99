"""Submission endpoints: create (multipart), list own, detail with visible scores, cancel."""

from __future__ import annotations

import dataclasses

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from leaderboard import selectors, services
from leaderboard.apis.error_outputs import (
    AccountUnverifiedSerializer,
    QuotaExceededSerializer,
    StorageUnavailableSerializer,
    TooLargeSerializer,
)
from leaderboard.apis.errors import api_field_errors, too_large_response
from leaderboard.apis.inputs import SubmissionCreateInput, SubmissionListQueryInput
from leaderboard.apis.lookups import benchmark_resolve, phase_resolve
from leaderboard.apis.outputs import (
    QueuePlaceSerializer,
    ScoreSerializer,
    SubmissionDetailSerializer,
    SubmissionPageSerializer,
    SubmissionSerializer,
)
from leaderboard.apis.throttles import SubmitRateThrottle
from leaderboard.selectors import OFFSET_MAX
from leaderboard.services.submission_rules import submission_input_check
from leaderboard.services.submissions import submission_upload_limit

#: What only the owner and staff see of a submission; others see a public entry without them.
INSIDER_FIELDS = (
    "payload_name", "payload_sha256", "error", "attempts", "stage", "payload_size", "duplicate_of",
)  # fmt: skip
EMPTY = {"attempts": 0, "payload_size": 0, "duplicate_of": None}


def queue_place_body(*, submission) -> dict | None:
    """The queue place of a queued submission as the API documents it (None otherwise)."""
    place = selectors.submission_queue_place(submission=submission)
    if place is None:
        return None
    return QueuePlaceSerializer({**dataclasses.asdict(place), "text": place.text()}).data


def submission_body(*, submission, viewer) -> dict:
    """A submission with the scores `viewer` may see (payload and error details to insiders only)."""
    body = SubmissionSerializer(submission).data
    body["waiting"] = selectors.submission_waiting(submission=submission)
    body["queue"] = queue_place_body(submission=submission)
    if selectors.submission_viewer_is_insider(submission=submission, viewer=viewer):
        body["duplicate_of"] = selectors.submission_duplicate_of(submission=submission)
    else:
        for name in INSIDER_FIELDS:
            body[name] = EMPTY.get(name, "")
    scores = selectors.scores_visible(submission=submission, viewer=viewer)
    body["scores"] = ScoreSerializer(scores, many=True).data
    return body


class SubmissionPagination(LimitOffsetPagination):
    """Offset paging of the submission list; an offset past OFFSET_MAX is a 400 naming it."""

    default_limit = 50
    max_limit = 500

    def get_offset(self, request) -> int:
        """DRF's offset (malformed: 0), refused beyond OFFSET_MAX (checked on the digits before int())."""
        raw = request.query_params.get(self.offset_query_param, "").strip()
        too_long = raw.isascii() and raw.isdigit() and len(raw) > len(str(OFFSET_MAX))
        offset = OFFSET_MAX + 1 if too_long else super().get_offset(request)
        if offset > OFFSET_MAX:
            raise ValidationError({self.offset_query_param: [f"at most {OFFSET_MAX}"]})
        return offset


class SubmissionCollectionView(APIView):
    """GET: the caller's own submissions. POST: a new submission (multipart form)."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    def get_throttles(self):
        """Uploads are throttled per user on top of the default rates."""
        throttles = [UserRateThrottle()]
        if self.request.method == "POST":
            throttles.append(SubmitRateThrottle())
        return throttles

    @extend_schema(operation_id="submissions_list", parameters=[SubmissionListQueryInput],
                   responses=SubmissionPageSerializer)
    def get(self, request):
        """List the caller's submissions, newest first."""
        query = SubmissionListQueryInput(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        submissions = selectors.submission_list_for_user(user=request.user).select_related("phase__benchmark")
        filters = {
            "benchmark": "phase__benchmark__slug",
            "phase": "phase__slug",
            "status": "status",
        }
        for name, lookup in filters.items():
            if name in query.validated_data:
                submissions = submissions.filter(**{lookup: query.validated_data[name]})
        paginator = SubmissionPagination()
        page = paginator.paginate_queryset(submissions, request, view=self)
        return paginator.get_paginated_response(SubmissionSerializer(page, many=True).data)

    @extend_schema(
        request={"multipart/form-data": SubmissionCreateInput},
        responses={
            201: SubmissionDetailSerializer,
            400: OpenApiResponse(description="missing or malformed fields, one message list per field"),
            403: OpenApiResponse(
                response=AccountUnverifiedSerializer,
                description="the phase is closed (detail only), or the account's e-mail address is not "
                'verified yet (code "account_unverified"; nothing stored, no quota used)',
            ),
            404: OpenApiResponse(description="no such benchmark or phase"),
            413: OpenApiResponse(
                response=TooLargeSerializer,
                description="the file exceeds the phase's upload limit; nothing stored",
            ),
            429: OpenApiResponse(
                response=QuotaExceededSerializer,
                description="quota used up (the body holds the quota) or throttled (detail only)",
            ),
            503: OpenApiResponse(response=StorageUnavailableSerializer, description="storage unavailable"),
            507: OpenApiResponse(response=StorageUnavailableSerializer, description="storage full"),
        },
    )
    def post(self, request):
        """Create a submission from a file or a JSON config; it is queued for scoring."""
        form = SubmissionCreateInput(data=request.data)
        valid = form.is_valid()
        bench_slug, phase_slug = request.data.get("benchmark"), request.data.get("phase")
        phase = None
        if isinstance(bench_slug, str) and isinstance(phase_slug, str) and bench_slug and phase_slug:
            phase = phase_resolve(benchmark=benchmark_resolve(slug=bench_slug), slug=phase_slug)
            upload, limit = request.data.get("file"), submission_upload_limit(phase=phase)
            if upload is not None and hasattr(upload, "size") and upload.size > limit:
                return too_large_response(limit_bytes=limit, size_bytes=upload.size)
        if not valid:  # a value that does not parse: with the service's word on the others
            _, problems = submission_input_check(phase=phase, **form.service_values())
            body = {**api_field_errors(field_errors=problems), **form.errors}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        data = form.validated_data
        submission = services.submission_create(
            owner=request.user,
            phase=phase,
            is_public=data["is_public"],
            is_anonymous=data["is_anonymous"],
            **form.service_values(),
        )
        response = Response(submission_body(submission=submission, viewer=request.user), status=201)
        response["Location"] = f"/api/v1/submissions/{submission.pk}/"
        return response


class SubmissionDetailView(APIView):
    """A submission's status, progress, stage, error and the scores the caller may see."""

    @extend_schema(responses={200: SubmissionDetailSerializer, 404: OpenApiResponse(description="not yours")})
    def get(self, request, pk: int):
        """Show one submission: all of it to its owner and staff; the public part of a baseline or a public
        leaderboard entry to anyone (404 otherwise)."""
        submission = selectors.submission_get_for_viewer(submission_id=pk, viewer=request.user)
        return Response(submission_body(submission=submission, viewer=request.user))


class SubmissionCancelView(APIView):
    """Cancel a queued or running submission (owner or staff)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            200: SubmissionDetailSerializer,
            404: OpenApiResponse(description="not yours"),
            409: OpenApiResponse(description="already finished"),
        },
    )
    def post(self, request, pk: int):
        """Cancel the submission."""
        submission = selectors.submission_get_for_viewer(submission_id=pk, viewer=request.user)
        submission = services.submission_cancel(submission=submission, actor=request.user)
        return Response(submission_body(submission=submission, viewer=request.user))
