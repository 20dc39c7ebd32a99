"""One sandbox warmed ahead per worker process, so that a code submission waits only for its upload's import.

A worker process calls ``spare_enable()`` once: a sandbox is warmed (bubblewrap started, limits set,
torch imported) by a warming thread that lives as long as the process (bubblewrap's --die-with-parent
follows the thread that started it), and again after each code submission has taken the previous
one. ``sandbox_take`` hands the spare (or, without one, a new cold sandbox) to exactly one submission;
the spare has run no code of anyone's, and a used sandbox is never reused.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading

from evaluator.sandbox.command import sandbox_available
from evaluator.sandbox.process import SandboxedMethod
from evaluator.sandbox.spec import SandboxError, SandboxSpec
from evaluator.sandbox.upload import SubmissionFiles

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_requests: queue.Queue = queue.Queue()
#: enabled; spare: the SandboxedMethod being warmed or warm; ready: set once its warming ended.
_state: dict = {"enabled": False, "spare": None, "ready": None, "thread": None}


def _warmer() -> None:
    """The warming thread: warm each requested spare; without bubblewrap, or on a failure, drop it."""
    while True:
        method, ready = _requests.get()
        available, why = sandbox_available()
        try:
            if available:
                method.warm()
            else:
                logger.info("no spare sandbox: %s", why)
        except (SandboxError, OSError) as exc:
            logger.warning("warming a spare sandbox failed: %s", exc)
        finally:
            ready.set()


def spare_warm_ahead() -> None:
    """Ask the warming thread for a spare when enabled and none is held (returns at once)."""
    with _lock:
        if not _state["enabled"] or _state["spare"] is not None:
            return
        if _state["thread"] is None:
            _state["thread"] = threading.Thread(target=_warmer, name="sandbox-spare", daemon=True)
            _state["thread"].start()
        method = SandboxedMethod(files=SubmissionFiles({}), spec=SandboxSpec())
        _state["spare"], _state["ready"] = method, threading.Event()
        _requests.put((method, _state["ready"]))


def spare_enable() -> None:
    """Keep one sandbox warmed ahead in this process from now on (a worker process calls it at start)."""
    with _lock:
        _state["enabled"] = True
    spare_warm_ahead()


def spare_disable() -> None:
    """Stop warming ahead and close the spare held (tests, process exit)."""
    with _lock:
        _state["enabled"] = False
        method, ready = _state["spare"], _state["ready"]
        _state["spare"] = _state["ready"] = None
    if method is not None:
        ready.wait()
        method.close()


def sandbox_take(*, files: SubmissionFiles, spec: SandboxSpec | None = None) -> tuple[SandboxedMethod, bool]:
    """A sandbox for ``files``, not started: (the spare, True) when one is held and ``spec`` is the
    default, else (a new cold one, False). A spare still warming is waited for."""
    wanted = spec or SandboxSpec()
    with _lock:
        method, ready = _state["spare"], _state["ready"]
        if method is not None and method.spec == wanted:
            _state["spare"] = _state["ready"] = None
        else:
            method = None
    if method is not None:
        ready.wait()
        if method.warm_s is not None and method.proc is not None and method.proc.poll() is None:
            method.files = files
            return method, True
        method.close()
    return SandboxedMethod(files=files, spec=wanted), False


atexit.register(spare_disable)
