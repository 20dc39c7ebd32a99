"""A benchmark's submission formats as the contract's dataclasses: which are code, what a phase takes."""

from __future__ import annotations

from evaluator.contract import SubmissionFormat, SubmissionKind
from evaluator.sandbox import command as sandbox_command
from leaderboard.models import Benchmark, Phase
from leaderboard.specrows import extension_clean, format_from_row


def format_specs(*, benchmark: Benchmark) -> list[SubmissionFormat]:
    """The benchmark's stored formats read back as SubmissionFormat, in declaration order (the one reader
    of Benchmark.formats; ValueError names a stored kind the contract does not know)."""
    return [format_from_row(row) for row in benchmark.formats or []]


def benchmark_code_extensions(*, benchmark: Benchmark) -> frozenset[str]:
    """The extensions that make an upload code: a code format's, and no other file format's."""
    files = [f for f in format_specs(benchmark=benchmark) if f.kind == SubmissionKind.FILE]
    code = {e for f in files if f.code for e in f.extensions}
    other = {e for f in files if not f.code for e in f.extensions}
    return frozenset(code - other)


def code_sandbox_refusal() -> str:
    """Why this deployment refuses every code upload (bubblewrap missing or not permitted where the
    service runs), or "" when it can run them."""
    available, why = sandbox_command.sandbox_available()
    return "" if available else why


def phase_takes_extension(*, phase: Phase, extension: str) -> bool:
    """False only for a code extension on a phase whose setting accepts_code is off, or on a deployment
    that cannot run code (code_sandbox_refusal)."""
    code = extension_clean(extension) in benchmark_code_extensions(benchmark=phase.benchmark)
    return not code or (phase.accepts_code and not code_sandbox_refusal())


def phase_code_refusal(*, phase: Phase, filename: str) -> str:
    """The message that refuses a code file: the phase's setting accepts_code is off, or this deployment
    cannot run code (and why)."""
    where = f"{phase.benchmark.slug}/{phase.slug} ({phase.title})"
    if phase.accepts_code and (why := code_sandbox_refusal()):
        return (f"{filename}: this deployment refuses code submissions because it cannot run their sandbox:"
                f" {why}; send one of the other accepted formats")  # fmt: skip
    return (f"{filename}: phase {where} does not accept code submissions (its setting accepts_code is"
            " off); send one of the other accepted formats")  # fmt: skip
