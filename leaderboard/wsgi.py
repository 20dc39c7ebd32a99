"""WSGI entry point (gunicorn leaderboard.wsgi); files the web process creates are private to its user."""

import os

from django.core.wsgi import get_wsgi_application

from leaderboard.filemodes import private_umask_set

private_umask_set()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leaderboard.settings")
application = get_wsgi_application()
