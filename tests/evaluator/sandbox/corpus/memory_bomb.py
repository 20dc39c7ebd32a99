"""Hostile: allocate memory until it runs out."""


def select(q, k, **info):
    """Grow a list of 64 MiB buffers forever."""
    hoard = []
    while True:
        hoard.append(bytearray(64 << 20))
