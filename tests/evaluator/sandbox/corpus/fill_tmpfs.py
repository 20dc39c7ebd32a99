"""Hostile: fill the writable tmpfs far past its size."""


def select(q, k, **info):
    """Write 1 GiB into /tmp."""
    with open("/tmp/fill", "wb") as f:
        for _ in range(1024):
            f.write(b"\0" * (1 << 20))
    return {}
