"""The Celery application: broker from settings, reliable delivery options, the reaper schedule."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leaderboard.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

SQLA_POLLING_INTERVAL_S = 0.2


def _transport_options(url: str) -> dict:
    """Redis re-delivers unacknowledged messages after visibility_timeout (the reaper acts sooner; a
    duplicate delivery is a no-op at claim time); the SQLAlchemy transport (the embedded broker) is
    polled every SQLA_POLLING_INTERVAL_S instead of kombu's default 1 s, to cut the queue wait."""
    if url.startswith(("redis://", "rediss://")):
        return {"visibility_timeout": max(3600, settings.LEASE_SECONDS * 4)}
    if url.startswith("sqla+"):
        return {"polling_interval": SQLA_POLLING_INTERVAL_S}
    return {}


app = Celery("sparsebench")
app.conf.update(
    broker_url=settings.CELERY_BROKER_URL,
    task_ignore_result=True,
    result_backend=None,
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_default_queue="cpu",
    task_serializer="json",
    accept_content=["json"],
    broker_connection_retry_on_startup=True,
    broker_transport_options=_transport_options(settings.CELERY_BROKER_URL),
    worker_hijack_root_logger=False,
    beat_schedule={
        "reap-expired-leases": {
            "task": "workers.tasks.reap_expired_leases",
            "schedule": float(settings.REAPER_INTERVAL_SECONDS),
        },
    },
)
app.autodiscover_tasks(["workers"], related_name="tasks")
