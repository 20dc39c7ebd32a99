"""The benchmark plugin contract: frozen dataclasses at the evaluator boundary and the Benchmark base."""

from __future__ import annotations

import abc
import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evaluator.hidden import BuildSeeds, HiddenKey

#: The largest artefact (a PNG for the submission's page) a ScoreReport may carry, in bytes.
ARTEFACT_MAX_BYTES = 256 * 1024
#: progress(fraction in [0, 1], stage text) -> None; called by score() and build() as work advances.
ProgressFn = Callable[[float, str], None]


def no_progress(fraction: float, stage: str) -> None:
    """Progress callback that ignores every report."""


def metric_text(*, value: Any, fmt: str) -> str:
    """A metric value in its display format; None as "n/a", values the format refuses as they are."""
    if value is None:
        return "n/a"
    try:
        return fmt.format(value)
    except (ValueError, TypeError):
        return str(value)


class SubmissionRefused(ValueError):
    """score() found, by measuring, that the submission breaks a rule it declared or the benchmark sets
    (e.g. its measured sparsity misses its declared target): a validation failure, never a platform one."""


class SubmissionTimedOut(Exception):
    """score() stopped the submission's own code at the time limit it was given (``Payload.time_limit_s``):
    recorded as a timeout, like the host's soft time limit, with the problem named."""


class WorkerUnequipped(Exception):
    """This worker lacks what the phase needs (a local model named by a setting, an optional package):
    a platform failure, the quota refunded. ``setting`` names the variable; the message says what is missing
    without the worker's paths."""

    def __init__(self, *, setting: str, missing: str) -> None:
        super().__init__(f"{missing} ({setting})")
        self.setting = setting
        self.missing = missing


class Split(enum.StrEnum):
    """A leaderboard split of a score: every phase has a public one, a phase may add a private one."""

    PUBLIC = "public"
    PRIVATE = "private"


class SubmissionKind(enum.StrEnum):
    """What a submission carries: an uploaded file or a JSON method configuration."""

    FILE = "file"
    CONFIG = "config"


@dataclass(frozen=True)
class MetricSpec:
    """One published metric: its key in score dicts, label, unit, direction and display format."""

    name: str
    label: str
    unit: str
    higher_is_better: bool
    fmt: str = "{:.4f}"
    description: str = ""
    #: A detail column (per level, per task): leaderboards show it on demand, after the headline columns.
    detail: bool = False

    def format(self, value: float | None) -> str:
        """Render a value for display (see metric_text); None is shown as "n/a"."""
        return metric_text(value=value, fmt=self.fmt)


@dataclass(frozen=True)
class SubmissionFormat:
    """One accepted submission kind: file extensions (for FILE) and a human description."""

    kind: SubmissionKind
    description: str
    extensions: tuple[str, ...] = ()
    #: A FILE format that is the submitter's own code (run in the sandbox): only a phase that
    #: declares ``accepts_code`` (or whose host turned it on) takes it.
    code: bool = False


@dataclass(frozen=True)
class CurveSpec:
    """A chart of entry metrics against one metric, one line per method (e.g. accuracy against compression).

    The baselines are grouped by ``group_by``, a field of their JSON config (the platform wrote those
    configs: they are public), each line sorted by ``x``; the baselines of the ``anchor`` group (e.g.
    dense attention) are drawn on their own and start every line. ``ys``: the metrics a viewer picks
    from (the first is shown first). Submitted entries are drawn as markers under their entry name:
    their config stays private."""

    title: str
    x: str
    ys: tuple[str, ...]
    group_by: str
    anchor: str = ""
    log_x: bool = False
    description: str = ""


@dataclass(frozen=True)
class PhaseSpec:
    """A phase of a benchmark: which public paths form its bundle and its default limits."""

    slug: str
    title: str
    description: str
    public_paths: tuple[str, ...]
    max_upload_bytes: int = 64 * 1024 * 1024
    daily_limit: int = 5
    total_limit: int = 100
    has_private_split: bool = True
    #: This phase's workloads need a CUDA device (e.g. 32k-token attention): its submissions go to the
    #: gpu queue even when the benchmark's other phases run on CPU workers.
    needs_gpu: bool = False
    #: This phase takes the benchmark's code formats (the submitter's module, run in the sandbox); off by
    #: default. The platform copies it when it creates the phase; the host may change it afterwards.
    accepts_code: bool = False


@dataclass(frozen=True)
class BenchmarkSpec:
    """Everything the platform needs to host a benchmark, without importing its heavy code."""

    slug: str
    version: str
    title: str
    description: str
    phases: tuple[PhaseSpec, ...]
    formats: tuple[SubmissionFormat, ...]
    metrics: tuple[MetricSpec, ...]
    ranking_metric: str
    pareto_axes: tuple[str, str]
    needs_gpu: bool = False
    soft_time_limit_s: int = 600
    #: True when a submission stays meaningful on new data (a method config, a mask): when the data in
    #: service changes (a new version, an import), the platform re-scores it. False when it answers one
    #: build's public bundle (renders of its scenes): it stays marked as scored on the retired data.
    rescore_on_new_data: bool = False
    #: Metrics of the per-item values (an item's `values` keys) that are not entry metrics: the per-item
    #: tables and CSV show them; leaderboards never rank on them.
    item_metrics: tuple[MetricSpec, ...] = ()
    #: Line charts of the leaderboard drawn on the benchmark's page beside the Pareto chart.
    curves: tuple[CurveSpec, ...] = ()

    def metric(self, name: str) -> MetricSpec:
        """Return the metric called `name`; ValueError names it when unknown."""
        for metric in self.metrics:
            if metric.name == name:
                return metric
        raise ValueError(f"unknown metric {name!r} for benchmark {self.slug!r}")

    def phase(self, slug: str) -> PhaseSpec:
        """Return the phase called `slug`; ValueError names it when unknown."""
        for phase in self.phases:
            if phase.slug == slug:
                return phase
        raise ValueError(f"unknown phase {slug!r} for benchmark {self.slug!r}")


@dataclass(frozen=True)
class Payload:
    """A submission as the evaluator sees it: phase, the public data root, and a file or a config.

    ``time_limit_s``: the seconds score() has before the host's own time limit stops it (None: the
    benchmark's ``soft_time_limit_s``); submitted code is killed when it runs past them."""

    phase: str
    public_dir: Path
    file: Path | None = None
    config: Mapping[str, Any] | None = None
    time_limit_s: float | None = None


@dataclass(frozen=True)
class Problem:
    """One validation problem: where (a file name inside the upload or a config field) and why."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class ItemScore:
    """Metric values of one scored item (an image, a task, a sparsity level), grouped (scene, level)."""

    item: str
    group: str
    values: Mapping[str, float | None]


@dataclass(frozen=True)
class SplitScore:
    """Aggregated metrics (None = n/a) and per-item detail for one leaderboard split."""

    metrics: Mapping[str, float | None]
    items: tuple[ItemScore, ...] = ()
    na_reasons: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ScoreReport:
    """Result of scoring one submission: a SplitScore per Split (public, maybe private)."""

    splits: Mapping[str, SplitScore]
    protocol_version: str
    hardware: Mapping[str, str]
    log: tuple[str, ...] = ()
    #: Small PNG images for the submission's page (name -> bytes; names like "frames.png", at most
    #: ARTEFACT_MAX_BYTES each): shown to whoever may see the submission, so never from hidden data.
    artefacts: Mapping[str, bytes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Refuse a split the platform does not publish, by name (it would be lost silently otherwise)."""
        unknown = sorted(set(self.splits) - set(Split))
        if unknown:
            known = ", ".join(map(str, Split))
            raise ValueError(f"unknown split(s) {', '.join(map(repr, unknown))} in a score; known: {known}")


@dataclass(frozen=True)
class Baseline:
    """A reference entry the platform scores and lists; make_payload writes its submission."""

    name: str
    description: str
    phases: tuple[str, ...]
    make_payload: Callable[[Path, str, Path], Payload]  # (public_dir, phase, work_dir) -> Payload
    #: A trivial reference (a constant image, an input view as it is): listed marked and unranked, never
    #: the leader, so that a method is ranked against methods only.
    reference: bool = False


class Benchmark(abc.ABC):
    """Base class of every benchmark plugin; subclasses set `spec` and implement the four methods (and may
    add ``precheck``, the cheap part of ``validate`` run at upload)."""

    spec: BenchmarkSpec

    @abc.abstractmethod
    def build(self, out_dir: Path, *, seeds: BuildSeeds, progress: ProgressFn = no_progress) -> None:
        """Generate the data into out_dir/"public" and out_dir/"hidden".

        Public items may derive from ``seeds.public``; every hidden item (test scenes, evaluation seeds,
        test orders, leaderboard halves) must derive from ``seeds.hidden``, the deployment secret scoped to
        this benchmark and version, and nothing under public/ may name a seed that determines hidden data.
        """

    @abc.abstractmethod
    def validate(self, payload: Payload) -> list[Problem]:
        """Return every problem of the payload (empty when valid); never raises on bad input."""

    def precheck(self, payload: Payload) -> list[Problem]:
        """Cheap checks run at upload, before anything is stored or queued (default: none).

        ``payload.file`` is a transient copy under the name the submitter gave it, so problems name it as
        they know it. Read only the upload and the public data, never run submitted code, and stay within
        about a second even for a payload at the phase's size cap: the worker's ``validate`` still runs in
        full. Report every problem, causes before their consequences; never raise on bad input."""
        return []

    @abc.abstractmethod
    def score(self, payload: Payload, hidden_dir: Path, progress: ProgressFn = no_progress) -> ScoreReport:
        """Score a validated payload against hidden_dir (= out_dir/"hidden" of build)."""

    @abc.abstractmethod
    def baselines(self) -> list[Baseline]:
        """Reference entries scored by the platform and listed as baselines."""

    def import_data(
        self, source: Path, out_dir: Path, *, hidden: HiddenKey, progress: ProgressFn = no_progress
    ) -> None:
        """Import a real dataset from `source` into the build layout (hidden choices from `hidden`).

        ValueError lists every problem."""
        raise ValueError(f"benchmark {self.spec.slug!r} has no import path for external data")
