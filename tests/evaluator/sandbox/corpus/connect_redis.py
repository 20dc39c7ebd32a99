"""Hostile: connect to redis on the host's loopback (127.0.0.1:6379)."""

import socket


def select(q, k, **info):
    """Open a connection (the sandbox's own network namespace has no route to the host's)."""
    socket.create_connection(("127.0.0.1", 6379), timeout=2).close()
    return {}
