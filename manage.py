#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    """Run a management command (files it creates are private to the service's user)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leaderboard.settings")
    from django.core.management import execute_from_command_line

    from leaderboard.env import ConfigError
    from leaderboard.filemodes import private_umask_set

    private_umask_set()
    try:
        import leaderboard.settings  # noqa: F401  (a malformed variable is reported in one line)
    except ConfigError as exc:
        sys.exit(f"configuration error: {exc}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
