"""A code submission inside a benchmark run: its upload checked, its sandbox started, problems refused.

The sandbox is the process's spare warmed ahead where the worker enabled one (``spare.py``)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

from evaluator.contract import Problem, SubmissionRefused, SubmissionTimedOut
from evaluator.sandbox.command import sandbox_available
from evaluator.sandbox.process import SandboxedMethod
from evaluator.sandbox.spare import sandbox_take, spare_warm_ahead
from evaluator.sandbox.spec import SandboxError, SandboxProblem
from evaluator.sandbox.upload import SubmissionFiles, answer_declared, submission_files

CODE_SUFFIXES = (".py", ".zip")
OUTPUT_LINES = 40
DETAIL_CHARS = 600


def code_upload_parse(
    *, path: Path, answers: tuple[str, ...] = ("layout",)
) -> tuple[SubmissionFiles | None, list[Problem]]:
    """The checked files of a code upload, or None with its problems (bubblewrap missing included);
    the answer it declares (``upload.answer_declared``) must be one of the benchmark's ``answers``."""
    name = Path(path).name
    if Path(path).suffix.lower() not in CODE_SUFFIXES:
        return None, [Problem(name, f"a code submission is a .py file or a .zip package, got {name}")]
    available, reason = sandbox_available()
    if not available:
        return None, [Problem(name, f"code submissions are not accepted on this deployment: {reason}")]
    try:
        files = submission_files(path=path)
        answer = answer_declared(files, upload=name)
    except SandboxError as exc:
        return None, [p.as_problem() for p in exc.problems]
    if answer not in answers:
        message = f"answer_kind: this benchmark takes {list(answers)}, not {answer!r}"
        return None, [Problem(f"{name}: ANSWER", message)]
    return files, []


def problem_text(problem: SandboxProblem, *, hidden: bool) -> str:
    """A sandbox problem for the submitter: with what the code said (its exception) on a public phase only."""
    if hidden or not problem.detail:
        return str(problem)
    return f"{problem} ({problem.detail.strip()[-DETAIL_CHARS:]})"


@contextlib.contextmanager
def code_session(
    *, files: SubmissionFiles | None, log: list[str], hidden: bool, time_limit_s: float | None = None
) -> Iterator[SandboxedMethod | None]:
    """The started sandbox of ``files`` (None when there is no code); its problems refuse the submission,
    except running past ``time_limit_s`` from here (start-up and every call together): SubmissionTimedOut.

    What the code printed goes to ``log`` on a published-seed phase only: on a hidden phase it could
    carry what the code saw of the hidden inputs."""
    if files is None:
        yield None
        return
    begin = time.monotonic()
    method, ahead = sandbox_take(files=files)
    method.set_time_limit(time_limit_s)
    try:
        method.start()
        how = "warmed ahead" if ahead else "cold"
        log.append(f"sandbox start-up {time.monotonic() - begin:.2f} s ({how})")
        yield method
    except SandboxError as exc:
        text = "; ".join(problem_text(p, hidden=hidden) for p in exc.problems)
        raise (SubmissionTimedOut if "time_limit" in exc.codes else SubmissionRefused)(text) from None
    finally:
        tail = method.output_tail
        method.close()
        if tail and not hidden:
            lines = tail.splitlines()[-OUTPUT_LINES:]
            log.extend(["output of the submitted code (last lines):", *lines])
        elif tail:
            log.append("the submitted code printed output; it is not shown on a hidden-seed phase")
        spare_warm_ahead()
