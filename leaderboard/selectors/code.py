"""The submitted code of a code submission, read back for its page (never run here)."""

from __future__ import annotations

from dataclasses import dataclass

from evaluator.sandbox import SandboxError
from evaluator.sandbox.upload import submission_files
from leaderboard.models import Submission
from leaderboard.selectors.formats import benchmark_code_extensions
from leaderboard.services.payloads import payload_path

CODE_EXTENSIONS = frozenset({"py", "zip"})
SHOWN_CHARS = 20_000


@dataclass(frozen=True)
class CodeFile:
    """One file of the upload: its path in the package, its text (cut at SHOWN_CHARS), and whether cut."""

    path: str
    text: str
    truncated: bool


def submission_code(*, submission: Submission) -> tuple[CodeFile, ...]:
    """The Python files of a code submission (empty for other submissions or an unreadable upload)."""
    if submission.payload_kind != "file":
        return ()
    path = payload_path(name=submission.payload_file.name)
    code = benchmark_code_extensions(benchmark=submission.phase.benchmark) & CODE_EXTENSIONS
    if path.suffix.lower().lstrip(".") not in code or not path.is_file():
        return ()
    try:
        files = submission_files(path=path).files
    except SandboxError:
        return ()
    shown = []
    for name in sorted(files):
        if name.endswith(".py"):
            text = files[name].decode("utf-8", "replace")
            shown.append(CodeFile(path=name, text=text[:SHOWN_CHARS], truncated=len(text) > SHOWN_CHARS))
    return tuple(shown)
