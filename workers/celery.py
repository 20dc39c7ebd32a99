"""The Celery application, configured from Django's CELERY_* settings (broker, delivery, reaper schedule)."""

from __future__ import annotations

import os

from celery import Celery

from leaderboard.filemodes import private_umask_set

private_umask_set()  # the worker's and the scheduler's files (payload copies, beat schedule) stay private
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leaderboard.settings")

import django  # noqa: E402

django.setup()

app = Celery("sparsebench")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["workers"], related_name="tasks")
