"""Run a command, with everything it starts, so that it all stops with the process that started it.

Usage: python -m leaderboard.childguard PARENT_PID SIGNAL_NAME COMMAND [ARG ...]
The embedded runner starts each of its processes through this guard, in a process group of its own.
The guard asks the kernel for a signal when its parent dies (Linux's parent-death signal), and on
that signal, or on SIGTERM or SIGINT, sends SIGNAL_NAME to its whole group (the command and its own
children, such as worker pools), waits for the command, and then kills what is left. So a runner killed
outright (SIGKILL, out of memory) leaves no web server, worker, scheduler or build behind. The guard
exits with the command's status (128 + N for a command ended by signal N).
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys

PR_SET_PDEATHSIG = 1

def parent_death_signal(sig: int) -> bool:
    """Ask the kernel to send `sig` to this process when its parent exits; False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0) == 0


def exit_status(returncode: int) -> int:
    """A Popen return code as a process exit status (a signal N becomes 128 + N)."""
    return 128 - returncode if returncode < 0 else returncode


def main(argv: list[str]) -> int:
    """Arm the parent-death signal, start the command, forward a stop to the whole group."""
    if len(argv) < 3:
        print(__doc__.splitlines()[2], file=sys.stderr)
        return 2
    parent, forward = int(argv[0]), signal.Signals[argv[1]]
    if os.getpgid(0) != os.getpid():  # lead a group of its own: the stop signals below go to it alone
        os.setpgid(0, 0)
    parent_death_signal(signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the signal was armed
        return 1
    command = subprocess.Popen(argv[2:])
    stopping = False

    def stop(signum, frame):  # noqa: ARG001
        nonlocal stopping
        if stopping:
            return
        stopping = True
        for sig in {signal.SIGTERM, signal.SIGINT, forward}:
            signal.signal(sig, signal.SIG_IGN)  # the guard stays to finish the job
        os.killpg(os.getpgid(0), forward)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    returncode = command.wait()
    if stopping:  # the command is down: nothing of the group may outlive it, the guard included
        os.killpg(os.getpgid(0), signal.SIGKILL)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.killpg(os.getpgid(0), signal.SIGTERM)  # leftovers of a command that ended by itself
    return exit_status(returncode)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
