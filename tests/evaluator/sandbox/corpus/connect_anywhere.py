"""Hostile: resolve a name and connect to a public address."""

import socket


def select(q, k, **info):
    """Try a public address, then a name (both must fail: no network at all)."""
    errors = []
    for target in (("1.1.1.1", 443), ("example.com", 80)):
        try:
            socket.create_connection(target, timeout=2).close()
            return {}
        except OSError as exc:
            errors.append(f"{target}: {type(exc).__name__}: {exc}")
    raise ConnectionError("; ".join(errors))
