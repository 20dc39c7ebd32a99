"""Hostile: crash the interpreter (a real segmentation fault in C)."""

import faulthandler


def select(q, k, **info):
    """Segfault."""
    faulthandler._sigsegv()
    return {}
