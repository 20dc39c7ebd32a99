"""The staff-only download of a submission's private payload (linked from the submission admin page)."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from leaderboard.selectors.payloads import submission_payload_download


@require_GET
def submission_payload(request: HttpRequest, submission_id: int) -> FileResponse:
    """The payload as an attachment under the uploaded name, to hosts; 404 to everyone else."""
    found = submission_payload_download(submission_id=submission_id, viewer=request.user)
    if found is None:
        raise Http404("no such payload")
    response = FileResponse(
        found.path.open("rb"),
        as_attachment=True,
        filename=found.filename,
        content_type="application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
