"""The submit page: the form, the remaining quota, and the mapping of service errors to messages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat

from evaluator.contract import SubmissionKind
from leaderboard import selectors
from leaderboard.forms import SubmissionForm
from leaderboard.models import Benchmark, Phase
from leaderboard.selectors.formats import code_sandbox_refusal, format_specs, phase_takes_extension
from leaderboard.services import submission_create
from leaderboard.services.errors import (
    AccountUnverified,
    PayloadTooLarge,
    PhaseClosed,
    QuotaExceeded,
    StorageUnavailable,
    SubmissionInputError,
    UploadRefused,
)
from leaderboard.services.submission_rules import submission_input_check
from leaderboard.specrows import format_row
from leaderboard.views.benchmarks import benchmark_phase_choose, phases_visible


def benchmark_formats(
    *, benchmark: Benchmark, phase: Phase
) -> tuple[tuple[str, ...], tuple[str, ...], list[dict[str, Any]]]:
    """The accepted kinds, the file extensions ``phase`` takes and the format descriptions of a benchmark
    (a code format's row says which visible phases take code)."""
    specs = format_specs(benchmark=benchmark)
    kinds = tuple(dict.fromkeys(str(f.kind) for f in specs))
    extensions = tuple(
        ext for f in specs if f.kind == SubmissionKind.FILE for ext in f.extensions
        if phase_takes_extension(phase=phase, extension=ext)
    )  # fmt: skip
    code_phases = [p.title for p in phases_visible(benchmark=benchmark) if p.accepts_code]
    refused = code_sandbox_refusal()
    code_extras = {"code_phases": code_phases, "code_refused": refused}
    formats = [{**format_row(f), **(code_extras if f.code else {})} for f in specs]
    return kinds, extensions, formats


REFUSALS = (
    AccountUnverified, SubmissionInputError, PayloadTooLarge, QuotaExceeded, PhaseClosed, StorageUnavailable
)  # fmt: skip


def field_errors_apply(*, form: SubmissionForm, field_errors: dict[str, list[str]]) -> None:
    """Show the service's field errors on the form's fields, as the service wrote them (a field the form
    lacks: a form-wide message naming it); a field the form already refused keeps its own message."""
    for field, problems in field_errors.items():
        target = field if field in form.fields else None
        if target is not None and form.has_error(target):
            continue
        for problem in problems:
            form.add_error(target, problem if target else f"{field}: {problem}")


def submission_errors_apply(*, form: SubmissionForm, error: Exception) -> None:
    """Turn a service refusal into form errors: per field when it names one, else a form-wide message."""
    if isinstance(error, AccountUnverified):
        form.add_error(None, "Verify your e-mail address before submitting: open the link we mailed you, or"
                       " ask for a new one above. Nothing was stored and no quota was used.")  # fmt: skip
    elif isinstance(error, UploadRefused):
        form.add_error(None, f"{error.summary[0].upper()}{error.summary[1:]}.")
    if isinstance(error, SubmissionInputError):
        field_errors_apply(form=form, field_errors=error.field_errors)
    elif isinstance(error, PayloadTooLarge):
        message = (
            f"The file is {filesizeformat(error.size_bytes)}; this phase accepts at most "
            f"{filesizeformat(error.limit_bytes)}. Nothing was stored."
        )
        form.add_error("upload" if "upload" in form.fields else None, message)
    elif isinstance(error, QuotaExceeded):
        quota = error.quota
        form.add_error(
            None,
            f"Submission quota reached ({quota.daily_used}/{quota.daily_limit} today, "
            f"{quota.total_used}/{quota.total_limit} in this phase); the daily quota resets at "
            f"{quota.resets_at:%Y-%m-%d %H:%M} UTC. Nothing was stored.",
        )
    elif isinstance(error, StorageUnavailable):
        message = (f"The site cannot store uploads right now: the {error.area} storage is {error.reason}."
                   " Nothing was stored and no quota was used; please try again later.")  # fmt: skip
        form.add_error(None, message)
    elif isinstance(error, PhaseClosed):
        phase = error.phase
        if not phase.is_hosted:
            reason = f"phase {phase.slug} is not hosted on this deployment now (its results stay readable)"
        elif phase.benchmark.data_status == phase.benchmark.DataStatus.FAILED:
            reason = "the benchmark's data failed to build (a host must rebuild it)"
        elif not phase.is_open():
            reason = "it is outside its submission dates"
        else:
            reason = "it is not published"
        form.add_error(None, f"{phase.title} is not accepting submissions: {reason}. Nothing was stored.")


@login_required
def submit(request: HttpRequest, slug: str) -> HttpResponse:
    """Show the submission form of a phase; on POST create the submission and go to its page."""
    benchmark = selectors.benchmark_get_visible(slug=slug)  # BenchmarkNotFound is an Http404
    phases = [p for p in phases_visible(benchmark=benchmark) if p.is_hosted]  # offered for new submissions
    phase = benchmark_phase_choose(benchmark=benchmark, phases=phases, slug=request.GET.get("phase"))
    kinds, extensions, formats = benchmark_formats(benchmark=benchmark, phase=phase)
    refused_status = 400
    if request.method == "POST":
        form = SubmissionForm(request.POST, request.FILES, kinds=kinds, extensions=extensions)
        if not form.is_valid():  # a value that does not parse: with the service's word on the others
            _, problems = submission_input_check(phase=phase, **form.service_values())
            field_errors_apply(form=form, field_errors=problems)
        else:
            data = form.cleaned_data
            try:
                submission = submission_create(
                    owner=request.user,
                    phase=phase,
                    is_public=data["is_public"],
                    is_anonymous=data["is_anonymous"],
                    **form.service_values(),
                )
            except REFUSALS as error:
                submission_errors_apply(form=form, error=error)
                refused_status = 403 if isinstance(error, AccountUnverified) else 400
            else:
                if submission.is_held:
                    messages.success(request, f"Submission #{submission.pk} is received and waits for the"
                                     " benchmark data, which is being prepared; it is scored as soon as the"
                                     " data is ready.")  # fmt: skip
                else:
                    messages.success(request, f"Submission #{submission.pk} is queued for scoring.")
                earlier = selectors.submission_duplicate_of(submission=submission)
                if earlier is not None:
                    messages.warning(request, f"Same content as your submission #{earlier} to this phase:"
                                     " it is scored again and listed as an entry of its own.")  # fmt: skip
                return redirect("submission-detail", submission_id=submission.pk)
    else:
        form = SubmissionForm(kinds=kinds, extensions=extensions)
    context = {
        "benchmark": benchmark,
        "phase": phase,
        "phases": phases,
        "phase_open": phase.is_open(),
        "data_ready": benchmark.data_status == Benchmark.DataStatus.READY,
        "data_failed": benchmark.data_status == Benchmark.DataStatus.FAILED,
        "form": form,
        "formats": formats,
        "takes_code": any(f["code"] for f in formats) and phase.accepts_code,
        "quota": selectors.quota_status(user=request.user, phase=phase),
        "verified": selectors.account_is_verified(user=request.user),
        "max_upload_bytes": phase.max_upload_bytes,
    }
    status = refused_status if request.method == "POST" else 200
    return render(request, "submit.html", context, status=status)
