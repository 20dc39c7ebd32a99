"""Hostile: write a compiled extension into /tmp and import it."""

import sys


def select(q, k, **info):
    """Plant an ELF extension module in /tmp and import it."""
    with open("/tmp/evil.cpython-311-x86_64-linux-gnu.so", "wb") as f:
        f.write(b"\x7fELF" + b"\0" * 60)
    sys.path.insert(0, "/tmp")
    import evil  # noqa: F401

    return {}
