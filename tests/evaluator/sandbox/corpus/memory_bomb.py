"""Hostile: a memory bomb (64 MiB buffers, each written, up to TOTAL: past the test's limit).

Bounded so that its negative control can run outside the sandbox; there it holds all of it."""

TOTAL = 1152 << 20


def select(q, k, **info):
    """Hold buffers of 64 MiB (zero-filled, so their pages are touched) until TOTAL."""
    hoard = []
    while len(hoard) * (64 << 20) < TOTAL:
        hoard.append(bytearray(64 << 20))
    return {"held": len(hoard) * (64 << 20)}
