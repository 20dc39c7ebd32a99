"""Hostile: fill the writable tmpfs (the working folder) far past its size: 64 MiB, the test's holds 8."""


def select(q, k, **info):
    """Write 64 MiB into ./fill."""
    with open("fill", "wb") as f:
        for _ in range(64):
            f.write(b"\0" * (1 << 20))
    return {"written": 64 << 20}
