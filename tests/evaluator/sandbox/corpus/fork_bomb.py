"""Hostile: a fork bomb (CHILDREN processes, each parked until select returns; far past the test's limit).

Bounded so that its negative control can run outside the sandbox; there the processes all start."""

import os

CHILDREN = 64


def select(q, k, **info):
    """Fork CHILDREN children that wait on a pipe; BlockingIOError once the process limit is reached."""
    r, w = os.pipe()
    started = 0
    try:
        for _ in range(CHILDREN):
            if os.fork() == 0:
                os.close(w)
                os.read(r, 1)  # end of file once the parent closes its end: every child then leaves
                os._exit(0)
            started += 1
    finally:
        os.close(w)
        os.close(r)
    return {"started": started}
