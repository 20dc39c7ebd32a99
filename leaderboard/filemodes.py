"""File modes of what the service writes (var dir, database, hidden data, submissions): its user's only."""

from __future__ import annotations

import os

#: No permission for the group or others on anything a process of the service creates.
PRIVATE_UMASK = 0o077


def private_umask_set() -> int:
    """Make the files and folders this process (and its children) creates private; the previous umask.
    Called once at start-up by manage.py, the WSGI application, the Celery app and the embedded runner."""
    return os.umask(PRIVATE_UMASK)
