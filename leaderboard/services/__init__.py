"""Platform services (writes): every state change of benchmarks, submissions, scores and tokens."""

from leaderboard.services.baselines import baseline_owner, baselines_submit
from leaderboard.services.benchmarks import (
    benchmark_data_build,
    benchmark_data_dir,
    benchmark_data_import,
    benchmark_sync,
    benchmark_sync_all,
)
from leaderboard.services.board_inputs import leaderboards_refresh, phase_settings_save
from leaderboard.services.board_publish import leaderboard_submission_sync
from leaderboard.services.bundles import phase_bundle_path
from leaderboard.services.errors import (
    AccountUnverified,
    BenchmarkDataError,
    BenchmarkSpecError,
    InvalidTransition,
    NotAllowed,
    PayloadTooLarge,
    PhaseClosed,
    QuotaExceeded,
    ServiceError,
    SubmissionInputError,
    UploadRefused,
)
from leaderboard.services.evaluation import submission_evaluate
from leaderboard.services.leaderboards import leaderboard_rebuild
from leaderboard.services.leases import ReapResult, leases_reap, submission_claim, submission_heartbeat
from leaderboard.services.submissions import submission_create
from leaderboard.services.tokens import token_create, token_issue, token_revoke
from leaderboard.services.transitions import submission_cancel, submission_rerun, submission_set_hidden
from leaderboard.services.verification import (
    account_mark_verified,
    account_verification_start,
    account_verify,
    verification_mail_send,
    verification_token,
)
from leaderboard.services.workers import (
    worker_heartbeat_touch,
    worker_heartbeats_expire,
    worker_heartbeats_forget,
    worker_process_prepare,
)

__all__ = [
    "AccountUnverified",
    "BenchmarkDataError",
    "BenchmarkSpecError",
    "InvalidTransition",
    "NotAllowed",
    "PayloadTooLarge",
    "PhaseClosed",
    "QuotaExceeded",
    "ReapResult",
    "ServiceError",
    "SubmissionInputError",
    "UploadRefused",
    "account_mark_verified",
    "account_verification_start",
    "account_verify",
    "baseline_owner",
    "baselines_submit",
    "benchmark_data_build",
    "benchmark_data_dir",
    "benchmark_data_import",
    "benchmark_sync",
    "benchmark_sync_all",
    "leaderboard_rebuild",
    "leaderboard_submission_sync",
    "leaderboards_refresh",
    "leases_reap",
    "phase_bundle_path",
    "phase_settings_save",
    "submission_cancel",
    "submission_claim",
    "submission_create",
    "submission_evaluate",
    "submission_heartbeat",
    "submission_rerun",
    "submission_set_hidden",
    "token_create",
    "token_issue",
    "token_revoke",
    "verification_mail_send",
    "verification_token",
    "worker_heartbeat_touch",
    "worker_heartbeats_expire",
    "worker_heartbeats_forget",
    "worker_process_prepare",
]
