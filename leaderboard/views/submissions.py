"""Submission pages: my submissions, one submission's detail, its per-item CSV, its status and cancel."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from leaderboard import selectors
from leaderboard.csvcells import csv_text
from leaderboard.models import Submission
from leaderboard.services import submission_cancel
from leaderboard.services.errors import InvalidTransition, NotAllowed
from leaderboard.views.display import (
    interval_columns_fold,
    interval_pairs,
    item_metric_names,
    item_rows,
    metric_cells,
)


def _queue_text(*, submission: Submission) -> str:
    place = selectors.submission_queue_place(submission=submission)
    return "" if place is None else place.text()


def submission_status_json(*, submission: Submission, insider: bool) -> dict[str, Any]:
    """The live fields of a submission, as the status poller reads them (the stage text to insiders only)."""
    return {
        "id": submission.pk,
        "status": submission.status,
        "progress": round(float(submission.progress or 0.0), 4),
        "stage": submission.stage if insider else "",
        "waiting": selectors.submission_waiting(submission=submission),
        "queue": _queue_text(submission=submission),
        "is_terminal": submission.is_terminal,
    }


@login_required
def submission_list(request: HttpRequest) -> HttpResponse:
    """The viewer's submissions, newest first, with live status for those still in progress."""
    submissions = selectors.submission_list_for_user(user=request.user).select_related("phase__benchmark")
    return render(request, "submissions.html", {"submissions": submissions})


def scores_latest(*, submission: Submission, viewer: Any) -> list[Any]:
    """The newest visible score of each split, public first."""
    latest: dict[str, Any] = {}
    for score in selectors.scores_visible(submission=submission, viewer=viewer):
        current = latest.get(score.split)
        if current is None or (score.created_at, score.pk) > (current.created_at, current.pk):
            latest[score.split] = score
    order = {"public": 0, "private": 1}
    return sorted(latest.values(), key=lambda score: (order.get(score.split, 2), score.split))


def submission_scores(*, submission: Submission, viewer: Any) -> list[dict[str, Any]]:
    """The visible splits of a submission: their metric cells and per-item rows."""
    every_metric = selectors.metric_specs(benchmark=submission.phase.benchmark)
    metrics, intervals = interval_columns_fold(metrics=every_metric), interval_pairs(metrics=every_metric)
    item_specs = selectors.item_metric_specs(benchmark=submission.phase.benchmark)
    splits = []
    for score in scores_latest(submission=submission, viewer=viewer):
        items = score.items or []
        item_metrics = item_metric_names(metrics=item_specs, items=items)
        cells = metric_cells(
            metrics=metrics, values=score.metrics, na_reasons=score.na_reasons, intervals=intervals
        )
        splits.append(
            {
                "split": score.split,
                "protocol_version": score.protocol_version,
                "data_id": score.data_id,
                "hardware": score.hardware or {},
                "metrics": list(zip(metrics, cells, strict=True)),
                "item_metrics": item_metrics,
                "items": item_rows(metrics=item_metrics, split=score.split, items=items),
            }
        )
    return splits


@require_GET
def submission_detail(request: HttpRequest, submission_id: int) -> HttpResponse:
    """What the viewer may see of one submission: all of it for the owner and staff; for anyone else, the
    public part of a baseline or a public leaderboard entry (no payload, log, error, code or stage)."""
    submission = selectors.submission_get_for_viewer(submission_id=submission_id, viewer=request.user)
    insider = selectors.submission_viewer_is_insider(submission=submission, viewer=request.user)
    can_cancel = insider and submission.status in {
        Submission.Status.QUEUED,
        Submission.Status.RUNNING,
    }
    context = {
        "submission": submission,
        "benchmark": submission.phase.benchmark,
        "is_reference": submission.is_baseline
        and submission.method_name in (submission.phase.benchmark.reference_baselines or ()),
        "splits": submission_scores(submission=submission, viewer=request.user),
        "can_cancel": can_cancel,
        "show_internals": insider,
        "waiting": selectors.submission_waiting(submission=submission),
        "queue": _queue_text(submission=submission),
        "code_files": selectors.submission_code(submission=submission) if insider else (),
        "artefacts": selectors.submission_artefacts(submission=submission, viewer=request.user),
    }
    return render(request, "submission_detail.html", context)


@require_GET
def submission_artefact(request: HttpRequest, submission_id: int, name: str) -> FileResponse:
    """One artefact (a PNG) of a submission, to a viewer who sees its scores; 404 otherwise."""
    submission = selectors.submission_get_for_viewer(submission_id=submission_id, viewer=request.user)
    path = selectors.submission_artefact_path(submission=submission, viewer=request.user, name=name)
    if path is None or not path.is_file():
        raise Http404("no such artefact")
    response = FileResponse(path.open("rb"), content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def submission_items_csv(request: HttpRequest, submission_id: int) -> HttpResponse:
    """The per-item scores of the visible splits as CSV (split, group, item, one column per metric)."""
    submission = selectors.submission_get_for_viewer(submission_id=submission_id, viewer=request.user)
    metrics = selectors.item_metric_specs(benchmark=submission.phase.benchmark)
    scores = scores_latest(submission=submission, viewer=request.user)
    columns = item_metric_names(metrics=metrics, items=[i for s in scores for i in (s.items or [])])
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="submission-{submission.pk}-items.csv"'
    writer = csv.writer(response)
    writer.writerow(["split", "group", "item", *[m.name for m in columns]])
    for score in scores:
        for item in score.items or []:
            values = item.get("values") or {}
            row = [csv_text(str(text)) for text in (score.split, item.get("group", ""), item.get("item", ""))]
            row += ["" if values.get(m.name) is None else repr(float(values[m.name])) for m in columns]
            writer.writerow(row)
    return response


@require_GET
def submission_status(request: HttpRequest, submission_id: int) -> JsonResponse:
    """The live status of a submission as JSON, for the progress poller."""
    submission = selectors.submission_get_for_viewer(submission_id=submission_id, viewer=request.user)
    insider = selectors.submission_viewer_is_insider(submission=submission, viewer=request.user)
    return JsonResponse(submission_status_json(submission=submission, insider=insider))


@login_required
@require_POST
def submission_cancel_view(request: HttpRequest, submission_id: int) -> HttpResponse:
    """Cancel a queued or running submission of the viewer (or any, for staff)."""
    submission = selectors.submission_get_for_viewer(submission_id=submission_id, viewer=request.user)
    try:
        submission_cancel(submission=submission, actor=request.user)
    except (InvalidTransition, NotAllowed) as error:
        messages.error(request, f"Not cancelled: {error}")
    else:
        messages.success(request, f"Submission #{submission.pk} was cancelled.")
    return redirect("submission-detail", submission_id=submission.pk)
