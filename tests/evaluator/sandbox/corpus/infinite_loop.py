"""Hostile: loop forever on the CPU."""


def select(q, k, **info):
    """Spin."""
    n = 0
    while True:
        n += 1
