"""Which of a benchmark's submission formats are code, and which extensions a phase takes."""

from __future__ import annotations

from evaluator.sandbox import command as sandbox_command
from leaderboard.models import Benchmark, Phase


def _extensions(fmt: dict) -> list[str]:
    """A format row's extensions, lower case without the dot."""
    return [str(e).lower().lstrip(".") for e in fmt.get("extensions", ())]


def format_is_code(fmt: dict) -> bool:
    """Whether a Benchmark.formats row is a code format (rows synced before the flag: a file taking .py)."""
    if "code" in fmt:
        return bool(fmt["code"])
    return fmt.get("kind") == "file" and "py" in _extensions(fmt)


def benchmark_code_extensions(*, benchmark: Benchmark) -> frozenset[str]:
    """The extensions that make an upload code: a code format's, and no other file format's."""
    rows = [f for f in benchmark.formats or [] if isinstance(f, dict) and f.get("kind") == "file"]
    code = {e for f in rows if format_is_code(f) for e in _extensions(f)}
    other = {e for f in rows if not format_is_code(f) for e in _extensions(f)}
    return frozenset(code - other)


def code_sandbox_refusal() -> str:
    """Why this deployment refuses every code upload (bubblewrap missing or not permitted where the
    service runs), or "" when it can run them."""
    available, why = sandbox_command.sandbox_available()
    return "" if available else why


def phase_takes_extension(*, phase: Phase, extension: str) -> bool:
    """False only for a code extension on a phase whose setting accepts_code is off, or on a deployment
    that cannot run code (code_sandbox_refusal)."""
    code = extension.lower().lstrip(".") in benchmark_code_extensions(benchmark=phase.benchmark)
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
