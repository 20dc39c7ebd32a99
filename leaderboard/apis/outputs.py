"""Serializers that render responses: benchmarks, phases, leaderboard pages and submissions."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from leaderboard.entry_urls import entry_path_template


class TokenSerializer(serializers.Serializer):
    """{"token": ...}."""

    token = serializers.CharField()


class MetricSerializer(serializers.Serializer):
    """A metric of a benchmark (the contract's MetricSpec)."""

    name = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField(allow_blank=True)
    higher_is_better = serializers.BooleanField()
    fmt = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    detail = serializers.BooleanField(help_text="a detail column (per level or task), shown on demand")


class QuotaSerializer(serializers.Serializer):
    """Remaining submissions of the caller in a phase (selectors.QuotaStatus)."""

    daily_limit = serializers.IntegerField()
    daily_used = serializers.IntegerField()
    daily_remaining = serializers.IntegerField()
    total_limit = serializers.IntegerField()
    total_used = serializers.IntegerField()
    total_remaining = serializers.IntegerField()
    resets_at = serializers.DateTimeField(allow_null=True)


class PhaseSummarySerializer(serializers.Serializer):
    """A phase as listed under its benchmark."""

    slug = serializers.SlugField()
    title = serializers.CharField()


class PhaseDetailSerializer(serializers.Serializer):
    """A phase with its dates, limits, visible splits and (when authenticated) the caller's quota."""

    slug = serializers.SlugField()
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    starts_at = serializers.DateTimeField(allow_null=True)
    ends_at = serializers.DateTimeField(allow_null=True)
    is_open = serializers.BooleanField()
    is_hosted = serializers.BooleanField(
        help_text="false when the benchmark no longer declares the phase on this deployment (a hosted "
        "model's setting removed): closed to new submissions, its results readable"
    )
    daily_limit = serializers.IntegerField()
    total_limit = serializers.IntegerField()
    max_upload_bytes = serializers.IntegerField()
    has_private_split = serializers.BooleanField()
    accepts_code = serializers.BooleanField(
        help_text="takes the benchmark's code formats (formats with code: true); else a code file is refused"
    )
    splits = serializers.ListField(child=serializers.CharField(), help_text="leaderboard splits shown now")
    quota = QuotaSerializer(allow_null=True, help_text="null when anonymous")


class BenchmarkSummarySerializer(serializers.Serializer):
    """A benchmark in the list."""

    slug = serializers.SlugField()
    version = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    ranking_metric = serializers.CharField()
    needs_gpu = serializers.BooleanField()
    data_status = serializers.CharField()
    phases = PhaseSummarySerializer(many=True)


class BenchmarkDetailSerializer(BenchmarkSummarySerializer):
    """A benchmark with its metrics, formats, Pareto axes, curve charts and detailed phases."""

    metrics = MetricSerializer(many=True)
    item_metrics = MetricSerializer(many=True, help_text="the metrics of the per-item values of a score")
    pareto_axes = serializers.ListField(child=serializers.CharField())
    curves = serializers.ListField(
        child=serializers.DictField(),
        help_text="the page's line charts: title, x, ys, group_by (config field), anchor, log_x, description",
    )
    formats = serializers.ListField(child=serializers.DictField())
    phases = PhaseDetailSerializer(many=True)


class PairedDifferenceSerializer(serializers.Serializer):
    """A row's value minus the next row's, on the same items, with its paired bootstrap 95% interval."""

    metric = serializers.CharField(help_text="the metric the page is sorted by")
    other_submission_id = serializers.IntegerField(help_text="the next row's submission")
    difference = serializers.FloatField(help_text="this row's value minus the next row's")
    low = serializers.FloatField(help_text="the paired interval's low end")
    high = serializers.FloatField(help_text="the paired interval's high end")
    separated = serializers.BooleanField(help_text="the interval excludes zero")
    groups = serializers.IntegerField(help_text="scenes (item groups) resampled")
    items = serializers.IntegerField(help_text="items (views) paired")


class LeaderboardRowSerializer(serializers.Serializer):
    """A leaderboard row (selectors.LeaderboardRow); metrics maps metric name -> value or null."""

    rank = serializers.IntegerField(
        allow_null=True, help_text="competition rank among ranked rows; null for a reference baseline"
    )
    submission_id = serializers.IntegerField()
    method_name = serializers.CharField()
    submitter = serializers.CharField()
    is_baseline = serializers.BooleanField()
    is_reference = serializers.BooleanField(
        help_text="a trivial reference baseline (e.g. a constant image): listed in its place, never ranked"
    )
    duplicate_of = serializers.IntegerField(
        allow_null=True,
        help_text="the earlier entry on this board with the same content by the same submitter, or null",
    )
    metrics = serializers.DictField(child=serializers.FloatField(allow_null=True))
    paper_url = serializers.CharField(allow_blank=True)
    code_url = serializers.CharField(allow_blank=True)
    submitted_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField(help_text="the entry's public page (scores, per-item results)")
    delta_to_next = serializers.SerializerMethodField(
        help_text="the difference to the next row in this order with its paired bootstrap interval (the same"
        " scenes and views resampled for both); null without per-item results that reproduce both values"
    )

    def get_url(self, row) -> str:
        """The absolute address of the entry's page (the site comes from the context)."""
        return self.context.get("site", "") + entry_path_template().format(row.submission_id)

    @extend_schema_field(PairedDifferenceSerializer(allow_null=True))
    def get_delta_to_next(self, row) -> dict | None:
        """The row's paired difference (context `differences`: submission id -> PairedDifference)."""
        found = (self.context.get("differences") or {}).get(row.submission_id)
        return None if found is None else PairedDifferenceSerializer(found).data


class LeaderboardPageSerializer(serializers.Serializer):
    """A page of a leaderboard with its ordering and paging state."""

    benchmark = serializers.SlugField()
    phase = serializers.SlugField()
    split = serializers.CharField()
    splits = serializers.ListField(child=serializers.CharField())
    order_by = serializers.CharField()
    descending = serializers.BooleanField()
    count = serializers.IntegerField(help_text="rows in the whole leaderboard")
    limit = serializers.IntegerField()
    offset = serializers.IntegerField()
    metrics = MetricSerializer(many=True)
    results = LeaderboardRowSerializer(many=True)


class ScoreSerializer(serializers.Serializer):
    """A visible score of a submission on one split."""

    split = serializers.CharField()
    protocol_version = serializers.CharField()
    data_id = serializers.CharField(allow_blank=True, help_text="the data the score was computed on")
    metrics = serializers.DictField(child=serializers.FloatField(allow_null=True))
    na_reasons = serializers.DictField(child=serializers.CharField())
    items = serializers.ListField(child=serializers.DictField())
    hardware = serializers.DictField(child=serializers.CharField())
    created_at = serializers.DateTimeField()


class QueuePlaceSerializer(serializers.Serializer):
    """A queued submission's place in its queue and the estimate of its start (with its basis)."""

    queue = serializers.CharField(help_text="cpu or gpu")
    position = serializers.IntegerField(help_text="1 = the next to start")
    ahead_queued = serializers.IntegerField()
    running = serializers.IntegerField(help_text="submissions running on this queue now")
    workers = serializers.IntegerField(help_text="workers of this queue with a recent heartbeat")
    typical_run_s = serializers.FloatField(allow_null=True, help_text="median run time of recent scored runs")
    history = serializers.IntegerField(help_text="how many runs the median is taken over")
    estimated_start_s = serializers.FloatField(allow_null=True, help_text="null when there is no basis")
    text = serializers.CharField()


class SubmissionSerializer(serializers.Serializer):
    """A submission's identity, payload summary and lifecycle state."""

    id = serializers.IntegerField()
    benchmark = serializers.SlugField(source="phase.benchmark.slug")
    phase = serializers.SlugField(source="phase.slug")
    method_name = serializers.CharField()
    submitter = serializers.CharField(help_text='username, "anonymous" or "baseline"')
    description = serializers.CharField(allow_blank=True)
    paper_url = serializers.CharField(allow_blank=True)
    code_url = serializers.CharField(allow_blank=True)
    payload_kind = serializers.CharField()
    payload_name = serializers.CharField(allow_blank=True)
    payload_size = serializers.IntegerField()
    payload_sha256 = serializers.CharField(allow_blank=True)
    status = serializers.CharField()
    progress = serializers.FloatField(help_text="0 to 1")
    stage = serializers.CharField(allow_blank=True)
    failure_kind = serializers.CharField(allow_blank=True, help_text="validation, platform, timeout or empty")
    error = serializers.CharField(source="error_message", allow_blank=True, help_text="problems, a line each")
    attempts = serializers.IntegerField()
    waiting = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text='why a queued submission cannot start yet, e.g. "waiting for a GPU worker"',
    )
    queue = QueuePlaceSerializer(required=False, allow_null=True, help_text="null unless queued")
    duplicate_of = serializers.IntegerField(
        required=False, allow_null=True,
        help_text="your earlier submission to this phase with the same content (to owner and staff), or null",
    )  # fmt: skip
    data_id = serializers.CharField(allow_blank=True, help_text="the benchmark data this submission answers")
    data_retired = serializers.BooleanField(
        help_text="true when the benchmark's data was replaced since: the scores are not on the leaderboard"
    )
    is_baseline = serializers.BooleanField()
    is_public = serializers.BooleanField()
    is_anonymous = serializers.BooleanField()
    is_hidden = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


class SubmissionDetailSerializer(SubmissionSerializer):
    """A submission with the scores the viewer may see."""

    scores = ScoreSerializer(many=True, source="visible_scores")


class SubmissionPageSerializer(serializers.Serializer):
    """A page of the caller's submissions."""

    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = SubmissionSerializer(many=True)
