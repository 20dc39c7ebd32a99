"""SandboxedMethod: one long-lived bubblewrap child per submission, called once per attention call."""

from __future__ import annotations

import base64
import collections
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import torch

import kernels
from evaluator.sandbox.channel import SharedRegion, message_receive, message_send
from evaluator.sandbox.command import (
    INSIDE_BOOTSTRAP,
    INSIDE_LIB,
    INSIDE_SUBMISSION,
    bwrap_command,
    python_paths,
    sandbox_available,
)  # fmt: skip
from evaluator.sandbox.spec import SandboxError, SandboxSpec, problem
from evaluator.sandbox.upload import SubmissionFiles

BOOTSTRAP = Path(__file__).with_name("bootstrap.py")
TAIL_BYTES = 16 << 10


class SandboxedMethod:
    """A submission's ``select`` running in its own sandbox; ``call`` hands it q and k, returns its arrays.

    Use as a context manager (or ``start()`` / ``close()``; ``warm()`` ahead is optional). Every
    failure raises ``SandboxError`` naming the problem; after a limit, a crash or a protocol fault
    the child is killed and the method is closed. ``output_tail`` keeps the end of what the code
    printed (submitter text). ``deadline`` (monotonic seconds, None: none) bounds the whole
    submission: no wait for the child goes past it, and a call past it is refused (``time_limit``).
    """

    def __init__(self, *, files: SubmissionFiles, spec: SandboxSpec | None = None):
        """Prepare (nothing runs until ``start``)."""
        self.files = files
        self.spec = spec or SandboxSpec()
        self.proc: subprocess.Popen | None = None
        self.startup_s: float | None = None
        self.warm_s: float | None = None
        self.load_s: float | None = None
        self.last_round_trip_ms: float | None = None
        self.last_inside_ms: float | None = None
        self.deadline: float | None = None
        self.time_limit_s: float | None = None
        self._tail: collections.deque[bytes] = collections.deque()
        self._printed = 0
        self._overflow = False
        self._regions: list[SharedRegion] = []
        self._pipes: list[int] = []
        self._drainer: threading.Thread | None = None

    def __enter__(self) -> SandboxedMethod:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def output_tail(self) -> str:
        """The last printed bytes (at most 16 KiB), decoded."""
        return b"".join(self._tail).decode("utf-8", "replace")

    def warm(self) -> float:
        """Start the child up to the upload (bwrap, limits, torch imported); the seconds it took.

        A worker may warm the sandbox of its next submission ahead; ``start`` then only loads it.
        On any failure everything started is released before the error propagates."""
        ok, why = sandbox_available()
        if not ok:
            raise problem("sandbox_unavailable", f"code submissions are refused here: {why}", where="sandbox")
        if self._regions:
            raise RuntimeError("this SandboxedMethod was already started")
        try:
            return self._warm()
        except BaseException:
            self.close()
            raise

    def start(self) -> float:
        """Warm the child if not yet done, hand it the upload, wait until it is imported.

        Returns ``startup_s``: the seconds from the start of ``warm`` (cold) to ready; ``load_s`` is
        the part after warming (what a submission waits for when its sandbox was warmed ahead)."""
        if not self._regions:
            self.warm()
        if self.load_s is not None:
            raise RuntimeError("this SandboxedMethod already holds its submission")
        try:
            begin = time.monotonic()
            files = {rel: base64.b64encode(body).decode("ascii") for rel, body in self.files.files.items()}
            message_send(self.req_w, {"op": "load", "files": files})
            ready = self._receive(deadline=begin + self.spec.start_seconds, phase="start-up")
            if not ready.get("ok"):
                self._fail(str(ready.get("code", "import_failed")), "the submission did not load",
                           detail=str(ready.get("detail", ""))[:2000], where="import")  # fmt: skip
        except BaseException:
            self.close()
            raise
        self.load_s = time.monotonic() - begin
        self.startup_s = self.warm_s + self.load_s
        return self.startup_s

    def _warm(self) -> float:
        """``warm`` proper."""
        begin = time.monotonic()
        self.input = SharedRegion(name="sb-input", size=self.spec.input_bytes)
        self.answer = SharedRegion(name="sb-answer", size=self.spec.answer_bytes)
        self._regions = [self.input, self.answer]
        req_r, self.req_w = os.pipe()
        self.resp_r, resp_w = os.pipe()
        self._pipes = [self.req_w, self.resp_r]
        data_fds = {INSIDE_BOOTSTRAP: _data_fd(BOOTSTRAP.read_bytes())}
        cfg = {
            "paths": [*python_paths(), INSIDE_LIB, INSIDE_SUBMISSION], "submission_dir": INSIDE_SUBMISSION,
            "fds": {"req": req_r, "resp": resp_w, "input": self.input.fd, "answer": self.answer.fd},
            "limits": {name: getattr(self.spec, name) for name in ("cpu_seconds", "memory_bytes", "processes",
                                                                   "open_files", "written_bytes")},
            "uid": self.spec.uid, "threads": self.spec.threads, "start_seconds": self.spec.start_seconds,
            "input_bytes": self.spec.input_bytes, "answer_bytes": self.spec.answer_bytes,
        }  # fmt: skip
        argv = bwrap_command(
            spec=self.spec,
            kernels_dir=str(Path(kernels.__file__).resolve().parent),
            data_fds=data_fds,
            python_args=[sys.executable, "-I", "-S", "-B", "-u", INSIDE_BOOTSTRAP, json.dumps(cfg)],
        )
        passed = [req_r, resp_w, self.input.fd, self.answer.fd, *data_fds.values()]
        try:
            self.proc = subprocess.Popen(
                argv, pass_fds=passed, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
            )  # fmt: skip
        finally:
            for fd in [req_r, resp_w, *data_fds.values()]:
                os.close(fd)
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._drainer.start()
        warm = self._receive(deadline=begin + self.spec.start_seconds, phase="start-up")
        if not warm.get("warm"):
            self._fail("protocol", "the child did not report warm")
        self.warm_s = time.monotonic() - begin
        return self.warm_s

    def call(self, *, q: torch.Tensor, k: torch.Tensor, info: dict) -> dict[str, torch.Tensor]:
        """The arrays ``select(q, k, **info)`` returned (copies, shapes and dtypes checked, values not).

        q and k are copied into shared memory first; ``last_round_trip_ms`` times only the request
        and its answer, from here; ``last_inside_ms`` is the child's own report of select's time
        (untrusted: for the sandbox's cost in bench/sandbox.py, never for a score)."""
        if self.proc is None or self.proc.poll() is not None or self.load_s is None:
            raise problem("closed", "the sandbox is not running its submission", where="sandbox")
        if self.deadline is not None and time.monotonic() >= self.deadline:
            self._fail("time_limit", self._time_limit_text())
        arrays = self.input.write({"q": q, "k": k})
        begin = time.perf_counter()
        try:
            message_send(self.req_w, {"op": "call", "arrays": arrays, "info": info})
        except OSError:
            self._fail("crashed", "the child closed its request pipe")
        reply = self._receive(deadline=time.monotonic() + self.spec.call_seconds, phase="call")
        self.last_round_trip_ms = (time.perf_counter() - begin) * 1000.0
        if not reply.get("ok"):
            code = str(reply.get("code", "select_raised"))
            detail = str(reply.get("detail", ""))[:2000]
            if code in ("memory", "processes", "written_bytes"):
                self._fail(code, f"select hit the sandbox's {code} limit", detail=detail)
            raise problem(code, "select did not return a valid answer", detail=detail)
        inside = reply.get("select_ms")
        self.last_inside_ms = float(inside) if isinstance(inside, int | float) else None
        try:
            return self.answer.read(reply.get("arrays"))
        except SandboxError:
            raise
        except Exception as exc:  # noqa: BLE001 - a malformed reply is the child's fault
            self._fail("protocol", f"malformed answer descriptors ({type(exc).__name__})")

    def close(self) -> None:
        """Stop the child (asked, then killed) and release the shared regions."""
        if self.proc is not None:
            if self.proc.poll() is None:
                try:
                    message_send(self.req_w, {"op": "exit"})
                    self.proc.wait(timeout=2)
                except (OSError, subprocess.TimeoutExpired):
                    self._kill()
            if self._drainer is not None:
                self._drainer.join(timeout=5)
            self.proc.stdout.close()
            self.proc = None
        for fd in self._pipes:
            os.close(fd)
        self._pipes = []
        for region in self._regions:
            region.close()
        self._regions = []

    def _receive(self, *, deadline: float, phase: str) -> dict:
        """The child's next message; a named problem (and the child killed) when none comes."""
        whole = self.deadline is not None and self.deadline < deadline
        try:
            message = message_receive(self.resp_r, deadline=self.deadline if whole else deadline)
        except TimeoutError:
            if whole:
                self._fail("time_limit", self._time_limit_text())
            limit = self.spec.start_seconds if phase == "start-up" else self.spec.call_seconds
            self._fail("wall_time", f"no answer within the {limit:g} s {phase} limit")
        except SandboxError as exc:
            self._kill()
            raise exc from None
        if message is None:
            self._died(phase)
        return message

    def set_time_limit(self, seconds: float | None) -> None:
        """Bound the whole submission to ``seconds`` from now (None: no bound past each call's)."""
        self.time_limit_s = seconds
        self.deadline = None if seconds is None else time.monotonic() + seconds

    def _time_limit_text(self) -> str:
        """The time_limit problem's message."""
        seconds = round(self.time_limit_s or 0.0, 1)
        return f"the submission ran past its time limit of {seconds:g} s (all calls together)"

    def _died(self, phase: str) -> None:
        """Name why the child ended (output flood, CPU limit, signal, exit) and raise."""
        rc = self.proc.wait()
        if self._overflow:
            self._fail("output_limit", f"printed more than {self.spec.output_bytes} bytes")
        if rc == 128 + signal.SIGXCPU:
            self._fail("cpu_time", f"used the {self.spec.cpu_seconds} s CPU time limit")
        if rc > 128:
            try:
                name = signal.Signals(rc - 128).name
            except ValueError:
                name = f"signal {rc - 128}"
            self._fail("crashed", f"the child died of {name} during {phase}", detail=self.output_tail[-2000:])
        self._fail("crashed", f"the child exited with status {rc} during {phase}",
                   detail=self.output_tail[-2000:])  # fmt: skip

    def _fail(self, code: str, message: str, *, detail: str = "", where: str = "select") -> None:
        """Kill the child and raise the named problem."""
        self._kill()
        raise problem(code, message, detail=detail, where=where)

    def _kill(self) -> None:
        """SIGKILL bwrap (its sandbox init dies with it, and every process of the sandbox with that)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def _drain(self) -> None:
        """Read what the child prints, keep the tail, kill it past ``output_bytes``."""
        stream = self.proc.stdout
        while chunk := stream.read1(1 << 16):
            self._printed += len(chunk)
            self._tail.append(chunk)
            while sum(len(c) for c in self._tail) > TAIL_BYTES and len(self._tail) > 1:
                self._tail.popleft()
            if self._printed > self.spec.output_bytes and not self._overflow:
                self._overflow = True
                self.proc.kill()


def _data_fd(body: bytes) -> int:
    """A readable memfd holding ``body`` (bwrap copies it into the sandbox)."""
    fd = os.memfd_create("sb-data", os.MFD_CLOEXEC)
    os.write(fd, body)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd
