"""Hostile: connect to the host's own address, a public address and a name."""

import socket

TARGETS = (("@ADDRESS@", int("@PORT@")), ("1.1.1.1", 443), ("example.com", 80))


def select(q, k, **info):
    """The first target that answers; raise with every failure when none does (no network at all)."""
    errors = []
    for target in TARGETS:
        try:
            socket.create_connection(target, timeout=2).close()
            return {"reached": target}
        except OSError as exc:
            errors.append(f"{target}: {type(exc).__name__}: {exc}")
    raise ConnectionError("; ".join(errors))
