"""The sandbox's limits (SandboxSpec) and its named problems (SandboxProblem, SandboxError)."""

from __future__ import annotations

from dataclasses import dataclass, field

from evaluator.contract import Problem
from evaluator.devices import scoring_device

MIB = 1 << 20


def _torch_threads() -> int:
    """This process's torch intra-op threads (torch imported only when a spec is made, never at import)."""
    import torch

    return torch.get_num_threads()


@dataclass(frozen=True)
class SandboxSpec:
    """Limits of one sandboxed submission.

    ``cpu_seconds``: CPU time of all the calls together, then SIGXCPU (start-up may use
    ``start_seconds`` x ``threads``);
    ``memory_bytes``: its address space (RLIMIT_AS; the shared input and answer regions count);
    ``processes``: processes and threads of the sandbox's user (RLIMIT_NPROC);
    ``open_files``: RLIMIT_NOFILE; ``written_bytes``: the size of the only writable place, a tmpfs
    at /tmp (and RLIMIT_FSIZE per file); ``output_bytes``: what it may print before it is killed;
    ``start_seconds`` / ``call_seconds``: wall time for start-up and for each call, then killed;
    ``input_bytes`` / ``answer_bytes``: the shared regions for the inputs and for the answer;
    ``threads``: torch's intra-op threads inside (default: this process's, as in-process methods get);
    ``gpu``: pass the NVIDIA device nodes in (default: whether this worker scores on CUDA; a CPU
    worker binds none, even where the nodes exist);
    ``uid``: who the child runs as when the worker is root (RLIMIT_NPROC then counts every process of
    that uid on the host: give concurrent sandboxes distinct uids; a non-root worker's sandbox has
    its own user namespace, where only its own processes count).
    """

    cpu_seconds: int = 600
    memory_bytes: int = 8192 * MIB
    processes: int = 64
    open_files: int = 256
    written_bytes: int = 64 * MIB
    output_bytes: int = 1 * MIB
    start_seconds: float = 60.0
    call_seconds: float = 60.0
    input_bytes: int = 1024 * MIB
    answer_bytes: int = 256 * MIB
    threads: int = field(default_factory=_torch_threads)
    gpu: bool = field(default_factory=lambda: scoring_device().type == "cuda")
    uid: int = 65534

    def __post_init__(self):
        """Every limit must be positive."""
        for name in ("cpu_seconds", "memory_bytes", "processes", "open_files", "written_bytes",
                     "output_bytes", "start_seconds", "call_seconds", "input_bytes", "answer_bytes",
                     "threads"):  # fmt: skip
            if getattr(self, name) <= 0:
                raise ValueError(f"SandboxSpec.{name} must be positive, got {getattr(self, name)}")


@dataclass(frozen=True)
class SandboxProblem:
    """One named problem of a sandboxed submission.

    ``code``: a stable name (``cpu_time``, ``answer_range``...); ``message``: what the platform says
    about it; ``detail``: text that came from the submitted code (exception text, printed output).
    ``detail`` may carry what the code saw of hidden inputs: do not show it to the submitter on a
    hidden phase.
    """

    code: str
    message: str
    where: str = "select"
    detail: str = ""

    def as_problem(self) -> Problem:
        """The evaluator contract's Problem (without the detail)."""
        return Problem(where=self.where, message=f"{self.code}: {self.message}")

    def __str__(self) -> str:
        return f"{self.where}: {self.code}: {self.message}"


class SandboxError(Exception):
    """Raised with every problem found; the submission fails, the caller carries on."""

    def __init__(self, problems: list[SandboxProblem]):
        """Keep the problems (at least one)."""
        if not problems:
            raise ValueError("SandboxError needs at least one problem")
        self.problems = tuple(problems)
        super().__init__("; ".join(str(p) for p in problems))

    @property
    def codes(self) -> tuple[str, ...]:
        """The problems' codes, in order."""
        return tuple(p.code for p in self.problems)


def problem(code: str, message: str, *, where: str = "select", detail: str = "") -> SandboxError:
    """A SandboxError with one problem."""
    return SandboxError([SandboxProblem(code=code, message=message, where=where, detail=detail)])
