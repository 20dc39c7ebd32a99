"""Platform selectors (reads): frozen views of benchmarks, leaderboards, quotas, submissions and health."""

from leaderboard.selectors.accounts import account_is_verified
from leaderboard.selectors.artefacts import Artefact, submission_artefact_path, submission_artefacts
from leaderboard.selectors.benchmarks import (
    benchmark_get_visible,
    benchmark_list_visible,
    item_metric_specs,
    metric_from_row,
    metric_specs,
    phase_get_visible,
    phase_list_visible,
)
from leaderboard.selectors.code import CodeFile, submission_code
from leaderboard.selectors.curves import CurveData, CurveLine, CurvePoint, curve_charts, curve_specs
from leaderboard.selectors.errors import BenchmarkNotFound, PhaseNotFound, SubmissionNotFound
from leaderboard.selectors.health import HealthStatus, WorkerView, health_cache_clear, health_status
from leaderboard.selectors.leaderboards import (
    OFFSET_MAX,
    LeaderboardPage,
    LeaderboardRow,
    ParetoData,
    ParetoPoint,
    leaderboard_leaders,
    leaderboard_rows,
    leaderboard_visible_splits,
    pareto_points,
)
from leaderboard.selectors.paired import PairedPage, leaderboard_rows_paired
from leaderboard.selectors.queue import QueuePlace, submission_queue_place
from leaderboard.selectors.quotas import QuotaStatus, quota_status
from leaderboard.selectors.submissions import (
    gpu_workers_connected,
    scores_visible,
    submission_duplicate_of,
    submission_get_for_viewer,
    submission_is_listed,
    submission_list_for_user,
    submission_viewer_is_insider,
    submission_waiting,
)
from leaderboard.selectors.tokens import token_find, token_held

__all__ = [
    "Artefact",
    "account_is_verified",
    "submission_artefact_path",
    "submission_artefacts",
    "OFFSET_MAX",
    "BenchmarkNotFound",
    "CodeFile",
    "CurveData",
    "CurveLine",
    "CurvePoint",
    "HealthStatus",
    "LeaderboardPage",
    "LeaderboardRow",
    "metric_from_row",
    "PairedPage",
    "ParetoData",
    "ParetoPoint",
    "PhaseNotFound",
    "QueuePlace",
    "QuotaStatus",
    "SubmissionNotFound",
    "WorkerView",
    "benchmark_get_visible",
    "curve_charts",
    "curve_specs",
    "benchmark_list_visible",
    "gpu_workers_connected",
    "health_cache_clear",
    "health_status",
    "leaderboard_leaders",
    "leaderboard_rows",
    "leaderboard_rows_paired",
    "leaderboard_visible_splits",
    "item_metric_specs",
    "metric_specs",
    "pareto_points",
    "phase_get_visible",
    "phase_list_visible",
    "quota_status",
    "scores_visible",
    "submission_code",
    "submission_duplicate_of",
    "submission_get_for_viewer",
    "submission_is_listed",
    "submission_list_for_user",
    "submission_queue_place",
    "submission_viewer_is_insider",
    "submission_waiting",
    "token_find",
    "token_held",
]
