"""Hostile: print gigabytes."""

import sys


def select(q, k, **info):
    """Write 4 GiB to stdout."""
    line = "x" * (1 << 20)
    for _ in range(4096):
        sys.stdout.write(line)
    return {}
