"""Hostile: look for the worker's secrets in its environment and in every readable process environ."""

import os


def select(q, k, **info):
    """Raise with everything found (the test checks that no secret is in it)."""
    found = dict(os.environ)
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                found[pid] = open(f"/proc/{pid}/environ", "rb").read().decode("latin-1")
            except OSError as exc:
                found[pid] = type(exc).__name__
    raise LookupError(repr(found))
