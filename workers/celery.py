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
    duplicate delivery is a no-op at claim time); the SQLAlchemy transport takes no option: kombu passes
    every transport option but its own retry/table names to SQLAlchemy's create_engine, which rejects
    `polling_interval` (the worker then dies at start), so its polling is set by _sqla_polling_set."""
    if url.startswith(("redis://", "rediss://")):
        return {"visibility_timeout": max(3600, settings.LEASE_SECONDS * 4)}
    return {}


def _sqla_polling_set(url: str) -> None:
    """Poll the embedded SQLAlchemy broker every SQLA_POLLING_INTERVAL_S (kombu's default is 1 s), which
    cuts the queue wait of the embedded stack; the transport's class attribute is the only setting
    kombu reads that does not also reach create_engine."""
    if url.startswith("sqla+"):
        from kombu.transport import sqlalchemy as sqla_transport

        sqla_transport.Transport.polling_interval = SQLA_POLLING_INTERVAL_S


_sqla_polling_set(settings.CELERY_BROKER_URL)


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
