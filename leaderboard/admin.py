"""Host admin: benchmarks and phases (dates, limits, visibility), submissions with actions, scores."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from leaderboard.models import (
    AccountVerification,
    ApiToken,
    Benchmark,
    LeaderboardEntry,
    Phase,
    Score,
    Submission,
    WorkerHeartbeat,
)
from leaderboard.services import (
    ServiceError,
    account_mark_verified,
    phase_settings_save,
    submission_cancel,
    submission_rerun,
    submission_set_hidden,
)


class NoAddMixin:
    """Rows come from the registry or from services, never added by hand (model admins and inlines)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyMixin(NoAddMixin):
    """Viewable, never added, changed or deleted by hand (for model admins and inlines alike)."""

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Viewable, never edited by hand."""


class PhaseInline(NoAddMixin, admin.TabularInline):
    model = Phase
    extra = 0
    can_delete = False
    fields = (
        "slug", "title", "starts_at", "ends_at", "daily_limit", "total_limit", "accepts_code", "is_visible"
    )  # fmt: skip
    readonly_fields = ("slug",)
    show_change_link = True


@admin.register(Benchmark)
class BenchmarkAdmin(NoAddMixin, admin.ModelAdmin):  # benchmarks come from the registry
    list_display = ("slug", "version", "title", "is_visible", "display_order", "data_status", "needs_gpu")
    list_editable = ("is_visible", "display_order")
    list_filter = ("is_visible", "data_status")
    readonly_fields = (
        "slug",
        "version",
        "title",
        "description",
        "metrics",
        "ranking_metric",
        "pareto_x",
        "pareto_y",
        "formats",
        "needs_gpu",
        "soft_time_limit_s",
        "data_status",
        "data_origin",
        "data_error",
        "created_at",
        "updated_at",
    )
    inlines = [PhaseInline]


@admin.register(Phase)
class PhaseAdmin(NoAddMixin, admin.ModelAdmin):
    list_display = (
        "__str__",
        "starts_at",
        "ends_at",
        "daily_limit",
        "total_limit",
        "max_upload_bytes",
        "accepts_code",
        "is_visible",
        "is_hosted",
        "show_private_after_close",
    )
    list_filter = ("benchmark", "is_visible", "is_hosted", "accepts_code")
    readonly_fields = ("benchmark", "slug", "is_hosted")  # is_hosted: set by benchmark_sync only

    def save_model(self, request, obj, form, change) -> None:
        """Save through the service, which rebuilds the phase's board when one of its inputs changed."""
        phase_settings_save(phase=obj, changed=form.changed_data if change else ())

    fields = (
        "benchmark",
        "slug",
        "title",
        "description",
        "starts_at",
        "ends_at",
        "daily_limit",
        "total_limit",
        "max_upload_bytes",
        "has_private_split",
        "accepts_code",
        "show_private_after_close",
        "is_visible",
        "is_hosted",
        "display_order",
    )


class ScoreInline(ReadOnlyMixin, admin.TabularInline):
    model = Score
    extra = 0
    fields = ("split", "protocol_version", "metrics", "na_reasons", "hardware", "created_at")
    readonly_fields = fields


def _submission_action(
    *, name: str, description: str, label: str, call: Callable[[Submission, Any], object]
) -> Callable:
    """An admin action applying `call(submission, actor)` (a service) to each selected submission."""

    def action(modeladmin, request, queryset) -> None:
        done, refused = 0, []
        for submission in queryset.select_related("phase__benchmark"):
            try:
                call(submission, request.user)
                done += 1
            except ServiceError as exc:
                refused.append(f"#{submission.pk}: {exc}")
        if done:
            modeladmin.message_user(request, f"{label}: {done} submission(s)", messages.SUCCESS)
        for line in refused:
            modeladmin.message_user(request, line, messages.WARNING)

    action.__name__ = name  # the admin names an action after its function
    return admin.action(description=description)(action)


rerun = _submission_action(
    name="rerun", description="Re-run selected submissions", label="re-run",
    call=lambda s, actor: submission_rerun(submission=s, actor=actor),
)
cancel = _submission_action(
    name="cancel", description="Cancel selected submissions", label="cancelled",
    call=lambda s, actor: submission_cancel(submission=s, actor=actor),
)
hide = _submission_action(
    name="hide", description="Hide selected submissions from leaderboards", label="hidden",
    call=lambda s, actor: submission_set_hidden(submission=s, actor=actor, hidden=True),
)
unhide = _submission_action(
    name="unhide", description="Unhide selected submissions", label="unhidden",
    call=lambda s, actor: submission_set_hidden(submission=s, actor=actor, hidden=False),
)


@admin.register(Submission)
class SubmissionAdmin(NoAddMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "method_name",
        "owner",
        "phase",
        "status",
        "failure_kind",
        "attempts",
        "is_baseline",
        "is_hidden",
        "created_at",
    )
    list_filter = ("status", "failure_kind", "is_baseline", "is_hidden", "phase__benchmark", "phase")
    search_fields = ("method_name", "owner__username", "payload_sha256")
    actions = [rerun, cancel, hide, unhide]
    inlines = [ScoreInline]
    fields = (
        "method_name",
        "description",
        "paper_url",
        "code_url",
        "is_public",
        "is_anonymous",
        "owner",
        "phase",
        "payload_kind",
        "payload_download",
        "payload_name",
        "payload_config",
        "payload_sha256",
        "payload_size",
        "status",
        "progress",
        "stage",
        "attempts",
        "lease_expires_at",
        "worker_id",
        "failure_kind",
        "error_message",
        "log_tail",
        "quota_charged",
        "is_baseline",
        "is_hidden",
        "enqueued_at",
        "dispatches",
        "created_at",
        "started_at",
        "finished_at",
        "updated_at",
    )
    readonly_fields = fields  # every change goes through a service (the actions), never a raw edit

    @admin.display(description="payload file")
    def payload_download(self, obj: Submission) -> str:
        """A link to the staff-only download view (the file's storage has no URL of its own)."""
        if not obj.payload_file.name:
            return "-"
        url = reverse("submission-payload", args=[obj.pk])
        name = obj.payload_name or "payload"
        return format_html('<a href="{}">download {}</a> ({} bytes)', url, name, obj.payload_size)


@admin.register(Score)
class ScoreAdmin(ReadOnlyAdmin):
    list_display = ("submission", "split", "protocol_version", "created_at")
    list_filter = ("split", "protocol_version")


@admin.register(LeaderboardEntry)
class LeaderboardEntryAdmin(ReadOnlyAdmin):
    list_display = ("phase", "split", "method_name", "submitter", "ranking_value", "on_frontier")
    list_filter = ("phase", "split")


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ("worker_id", "hostname", "queues", "current_submission", "last_seen")


@admin.register(ApiToken)
class ApiTokenAdmin(NoAddMixin, admin.ModelAdmin):
    """Tokens by user and prefix: only their hashes are stored, so no key can be shown; hosts may revoke."""

    list_display = ("user", "prefix", "created")
    search_fields = ("user__username", "prefix")
    fields = ("user", "prefix", "created")
    readonly_fields = fields

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AccountVerification)
class AccountVerificationAdmin(admin.ModelAdmin):
    """Which accounts verified their address (only those may submit); hosts may vouch for one by hand
    (the action, or "add" for an account made outside the sign-up page, such as by createsuperuser)."""

    list_display = ("user", "user_email", "verified_at")
    list_filter = (("verified_at", admin.EmptyFieldListFilter),)
    search_fields = ("user__username", "user__email")
    fields = ("user", "verified_at")
    raw_id_fields = ("user",)
    actions = ("mark_verified",)

    def get_readonly_fields(self, request, obj=None) -> tuple[str, ...]:
        """Both fields are set once, when a host adds the record; the action verifies an existing one."""
        return self.fields if obj is not None else ()

    @admin.display(description="e-mail address")
    def user_email(self, obj: AccountVerification) -> str:
        return obj.user.email

    @admin.action(description="Mark the selected accounts verified")
    def mark_verified(self, request, queryset) -> None:
        """Vouch for the selected accounts (they may submit from now on)."""
        for record in queryset.select_related("user"):
            account_mark_verified(user=record.user)
        self.message_user(request, f"{queryset.count()} account(s) marked verified.", messages.SUCCESS)
