"""Database models: benchmarks and phases (synced from the registry), submissions, scores, rankings,
tokens and account verification."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone
from django.utils.functional import LazyObject

from evaluator import contract


class SubmissionStorage(LazyObject):
    """Private storage for uploaded payloads (settings.SUBMISSION_ROOT), never served by a URL."""

    def _setup(self) -> None:
        self._wrapped = FileSystemStorage(location=settings.SUBMISSION_ROOT, base_url=None)


submission_storage = SubmissionStorage()


def submission_storage_get() -> SubmissionStorage:
    """The private payload storage (a callable, so migrations never freeze its path)."""
    return submission_storage


class Benchmark(models.Model):
    """A hosted benchmark, mirrored from its evaluator spec; hosts edit visibility."""

    class DataStatus(models.TextChoices):
        MISSING = "missing"
        BUILDING = "building"
        READY = "ready"
        FAILED = "failed"

    slug = models.SlugField(max_length=64, unique=True)
    version = models.CharField(max_length=32)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    metrics = models.JSONField(default=list, help_text="MetricSpec dicts, in display order")
    ranking_metric = models.CharField(max_length=64)
    pareto_x = models.CharField(max_length=64)
    pareto_y = models.CharField(max_length=64)
    formats = models.JSONField(default=list, help_text="accepted submission kinds")
    needs_gpu = models.BooleanField(default=False)
    soft_time_limit_s = models.PositiveIntegerField(default=600)
    is_visible = models.BooleanField(default=True)
    display_order = models.PositiveIntegerField(default=0)
    data_status = models.CharField(max_length=16, choices=DataStatus.choices, default=DataStatus.MISSING)
    data_origin = models.CharField(
        max_length=500, blank=True, help_text="generated:<seed> or imported:<path>"
    )
    data_error = models.TextField(blank=True)
    data_stage = models.CharField(
        max_length=200, blank=True, help_text="while the data builds: how far it is (percent and stage)"
    )
    data_id = models.CharField(
        max_length=64,
        blank=True,
        help_text="identity of the data in service: <version>+<hash of origin and secret>; empty before any",
    )
    reference_baselines = models.JSONField(
        default=list,
        blank=True,
        help_text="names of the benchmark's trivial reference baselines (listed marked and unranked)",
    )
    curves = models.JSONField(
        default=list, blank=True, help_text="CurveSpec dicts: line charts drawn on the benchmark's page"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["display_order", "slug"]

    def __str__(self) -> str:
        return self.slug


class Phase(models.Model):
    """A phase of a benchmark with its dates, quotas, upload cap and private-split policy."""

    benchmark = models.ForeignKey(Benchmark, on_delete=models.CASCADE, related_name="phases")
    slug = models.SlugField(max_length=64)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    daily_limit = models.PositiveIntegerField(default=5)
    total_limit = models.PositiveIntegerField(default=100)
    max_upload_bytes = models.PositiveBigIntegerField(default=64 * 1024 * 1024)
    has_private_split = models.BooleanField(default=True)
    needs_gpu = models.BooleanField(default=False, help_text="declared by the benchmark: runs on GPU workers")
    accepts_code = models.BooleanField(
        default=False,
        help_text="takes the benchmark's code formats (the submitter's module, run in the sandbox); the "
        "benchmark's declaration is copied when the phase is created, then it is the host's setting",
    )
    show_private_after_close = models.BooleanField(default=False)
    is_visible = models.BooleanField(default=True)
    is_hosted = models.BooleanField(
        default=True, help_text="set by benchmark_sync: false while its benchmark no longer declares it"
    )
    display_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["benchmark", "display_order", "slug"]
        constraints = [models.UniqueConstraint(fields=["benchmark", "slug"], name="phase_unique_slug")]

    def __str__(self) -> str:
        return f"{self.benchmark.slug}/{self.slug}"

    def is_open(self, now=None) -> bool:
        """Whether submissions are accepted at `now`: hosted on this deployment and within its dates."""
        now = now or timezone.now()
        started = self.starts_at is None or self.starts_at <= now
        return self.is_hosted and started and (self.ends_at is None or now < self.ends_at)

    def private_visible(self, now=None) -> bool:
        """Whether the private split may be shown: the phase has closed and the host allows it."""
        now = now or timezone.now()
        closed = self.ends_at is not None and self.ends_at <= now
        return self.has_private_split and self.show_private_after_close and closed


#: The public author labels of baseline and anonymous entries (reserved as user names).
BASELINE, ANONYMOUS = "baseline", "anonymous"


def submitter_label(*, is_baseline: bool, is_anonymous: bool, username: str) -> str:
    """How a submission's author is shown publicly: "baseline", "anonymous" or the username."""
    if is_baseline:
        return BASELINE
    if is_anonymous:
        return ANONYMOUS
    return username


#: The stage of a queued submission held, no task message sent, until its benchmark's data is ready.
HOLD_STAGE = "waiting for the benchmark data"


class Submission(models.Model):
    """One submission: its payload, its place in the lifecycle and what the worker reported."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SCORED = "scored"
        FAILED = "failed"
        CANCELLED = "cancelled"

    class FailureKind(models.TextChoices):
        NONE = ""
        VALIDATION = "validation"
        PLATFORM = "platform"
        TIMEOUT = "timeout"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submissions")
    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="submissions")
    method_name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    paper_url = models.URLField(blank=True)
    code_url = models.URLField(blank=True)
    payload_kind = models.CharField(max_length=16)
    payload_file = models.FileField(storage=submission_storage_get, upload_to="%Y/%m/%d", blank=True)
    payload_name = models.CharField(max_length=255, blank=True)
    payload_config = models.JSONField(null=True, blank=True)
    payload_sha256 = models.CharField(max_length=64)
    payload_size = models.PositiveBigIntegerField(default=0)
    data_id = models.CharField(
        max_length=64, blank=True, help_text="the benchmark data this submission answers (Benchmark.data_id)"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    enqueued_at = models.DateTimeField(null=True, blank=True, help_text="when the last task message was sent")
    dispatches = models.PositiveIntegerField(
        default=0, help_text="task messages sent since the last claim (backs off lost-message redelivery)"
    )
    progress = models.FloatField(default=0.0)
    stage = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    worker_id = models.CharField(max_length=200, blank=True)
    failure_kind = models.CharField(max_length=16, choices=FailureKind.choices, blank=True, default="")
    error_message = models.TextField(blank=True)
    log_tail = models.TextField(blank=True)
    quota_charged = models.BooleanField(default=True)
    is_baseline = models.BooleanField(default=False)
    is_public = models.BooleanField(default=True, help_text="listed on the public leaderboard")
    is_anonymous = models.BooleanField(default=False, help_text="listed without the owner's name")
    is_hidden = models.BooleanField(default=False, help_text="hidden by a host")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["phase", "status"], name="submission_phase_status"),
            models.Index(fields=["owner", "phase", "created_at"], name="submission_owner_phase_day"),
            models.Index(fields=["status", "lease_expires_at"], name="submission_status_lease"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.method_name} ({self.status})"

    @property
    def submitter(self) -> str:
        """The author as shown publicly (see submitter_label)."""
        return submitter_label(
            is_baseline=self.is_baseline, is_anonymous=self.is_anonymous, username=self.owner.username
        )

    @property
    def data_retired(self) -> bool:
        """Whether this submission answers data its benchmark no longer serves (scores not on the board)."""
        return self.data_id != self.phase.benchmark.data_id

    @property
    def is_held(self) -> bool:
        """Whether the submission waits, queued but not sent, for its benchmark's data (HOLD_STAGE)."""
        return self.status == self.Status.QUEUED and self.stage == HOLD_STAGE

    @property
    def is_terminal(self) -> bool:
        """Whether the submission reached scored, failed or cancelled."""
        return self.status in {self.Status.SCORED, self.Status.FAILED, self.Status.CANCELLED}


class Score(models.Model):
    """The measured result of a submission on one split, under one protocol version."""

    class Split(models.TextChoices):
        PUBLIC = contract.Split.PUBLIC.value
        PRIVATE = contract.Split.PRIVATE.value

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="scores")
    split = models.CharField(max_length=16, choices=Split.choices)
    protocol_version = models.CharField(max_length=32)
    data_id = models.CharField(
        max_length=64, blank=True, help_text="the data scored against (Benchmark.data_id)"
    )
    metrics = models.JSONField(default=dict)
    na_reasons = models.JSONField(default=dict)
    items = models.JSONField(default=list)
    hardware = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "split", "protocol_version"], name="score_unique_per_split_protocol"
            )
        ]

    def __str__(self) -> str:
        return f"score {self.submission_id}/{self.split}"


class LeaderboardEntry(models.Model):
    """A listed submission's row on one split's board: written when its score is published."""

    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="entries")
    split = models.CharField(max_length=16, choices=Score.Split.choices)
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="entries")
    ranking_value = models.FloatField(null=True)
    method_name = models.CharField(max_length=120)
    submitter = models.CharField(max_length=150)
    is_baseline = models.BooleanField(default=False)
    is_reference = models.BooleanField(
        default=False, help_text="a trivial reference baseline: listed marked, no rank, never the leader"
    )
    metrics = models.JSONField(default=dict)
    paper_url = models.URLField(blank=True)
    code_url = models.URLField(blank=True)
    submitted_at = models.DateTimeField()
    on_frontier = models.BooleanField(
        default=False, help_text="on the Pareto frontier computed over every entry of the split"
    )
    plottable = models.BooleanField(default=False, help_text="both Pareto axes have a value")
    pinned = models.BooleanField(
        default=False, help_text="always embedded in the chart: plottable and on the frontier or a baseline"
    )

    class Meta:
        verbose_name_plural = "leaderboard entries"
        ordering = ["phase_id", "split", "submitted_at"]  # phase_id: no join to the phase's own ordering
        constraints = [
            models.UniqueConstraint(fields=["phase", "split", "submission"], name="entry_unique_submission")
        ]
        indexes = [
            models.Index(fields=["phase", "split", "pinned"], name="entry_phase_split_pinned"),
            models.Index(fields=["phase", "split", "is_reference"], name="entry_phase_split_reference"),
        ]


class LeaderboardValue(models.Model):
    """One metric's value of one entry, so that every order of a board is an index range read at request
    time (n/a last; ties by the ranking order, then submission time): a new score inserts its own rows only.

    rank_na and rank_key are the entry's place key in the ranking order (rank_key: the ranking value,
    negated when higher is better), the tie-break of every other metric's order."""

    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="+", db_index=False)
    split = models.CharField(max_length=16, choices=Score.Split.choices)
    metric = models.CharField(max_length=64)
    na = models.BooleanField()
    value = models.FloatField(help_text="the metric's value (0 when na)")
    rank_na = models.BooleanField()
    rank_key = models.FloatField()
    submitted_at = models.DateTimeField()
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [
            models.Index(
                fields=[
                    "phase",
                    "split",
                    "metric",
                    "na",
                    "value",
                    "rank_na",
                    "rank_key",
                    "submitted_at",
                    "submission",
                ],
                name="value_order_up",
            ),
            models.Index(
                fields=[
                    "phase",
                    "split",
                    "metric",
                    "na",
                    "-value",
                    "rank_na",
                    "rank_key",
                    "submitted_at",
                    "submission",
                ],
                name="value_order_down",
            ),
        ]


class LeaderboardBoard(models.Model):
    """Counts of one split's board, kept with its entries (a read needs no COUNT over the board)."""

    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="+", db_index=False)
    split = models.CharField(max_length=16, choices=Score.Split.choices)
    total = models.PositiveIntegerField(default=0)
    plottable = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["phase", "split"], name="board_unique_split")]


class WorkerHeartbeat(models.Model):
    """The latest sign of life of each worker process, shown by /healthz."""

    worker_id = models.CharField(max_length=200, unique=True)
    hostname = models.CharField(max_length=200)
    queues = models.CharField(max_length=200, blank=True)
    current_submission = models.ForeignKey(Submission, null=True, blank=True, on_delete=models.SET_NULL)
    last_seen = models.DateTimeField(default=timezone.now, db_index=True)


class ApiToken(models.Model):
    """An API token, stored as the SHA-256 of its key (the key is shown once, when issued); a user may
    hold several (one per machine), each revocable."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8, help_text="the key's first characters, to tell tokens apart")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.prefix}... ({self.user})"


class AccountVerification(models.Model):
    """When an account's e-mail address was verified (no row, or no date: not verified); only a verified
    account may submit, so quotas apply per verified address."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="verification"
    )
    verified_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user} ({'verified' if self.verified_at else 'not verified'})"
