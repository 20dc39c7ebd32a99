"""Hostile: sleep past the time limit (no CPU used)."""

import time


def select(q, k, **info):
    """Sleep an hour."""
    time.sleep(3600)
    return {}
