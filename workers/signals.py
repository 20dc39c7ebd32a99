"""Worker signals: the heartbeat timer of the main worker process; each pool process's set-up."""

from __future__ import annotations

import logging
import threading

from celery.signals import worker_process_init, worker_ready, worker_shutdown
from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)
_stop = threading.Event()
#: The heartbeat thread of this worker and its node name, while it runs (heartbeat_stop forgets the node).
_running: dict[str, object] = {}


def _queues(sender) -> str:
    """The comma-separated queues the worker consumes from ("" when unknown)."""
    try:
        return ",".join(sorted(q.name for q in sender.app.amqp.queues.consume_from.values()))
    except Exception:
        return ""


def _beat_forever(worker_id: str, hostname: str, queues: str) -> None:
    """Touch this worker's heartbeat row every HEARTBEAT_SECONDS until stopped."""
    from leaderboard.services import worker_heartbeat_touch

    try:
        while True:
            try:
                worker_heartbeat_touch(worker_id=worker_id, hostname=hostname, queues=queues)
            except Exception:
                logger.exception("worker heartbeat failed; retrying")
            if _stop.wait(settings.HEARTBEAT_SECONDS):
                return
    finally:
        connection.close()


@worker_ready.connect
def heartbeat_start(sender=None, **kwargs) -> None:
    """Start the heartbeat timer when the worker is ready to consume, after deleting the rows a previous
    run of this node left (killed, as on `make run`'s Ctrl-C, before it could delete them itself)."""
    hostname = getattr(sender, "hostname", "") or "worker"
    _forget(hostname)
    _stop.clear()
    thread = threading.Thread(
        target=_beat_forever, args=(hostname, hostname, _queues(sender)), name="worker-heartbeat", daemon=True
    )
    _running.update(thread=thread, node=hostname)
    thread.start()


@worker_shutdown.connect
def heartbeat_stop(**kwargs) -> None:
    """Stop the heartbeat timer at shutdown and delete this node's rows (/healthz lists live workers only;
    a worker killed without this leaves rows that stop counting as live and later expire)."""
    _stop.set()
    thread, node = _running.pop("thread", None), _running.pop("node", None)
    if thread is not None:
        thread.join(timeout=2.0)
    if node:
        _forget(str(node))


def _forget(node: str) -> None:
    """Delete the heartbeat rows of `node` (a failure is logged: the rows stop counting and expire)."""
    from leaderboard.services import worker_heartbeats_forget

    try:
        worker_heartbeats_forget(node=node)
    except Exception:
        logger.warning("could not remove the heartbeat rows of %s; they expire", node)
    finally:
        connection.close()


@worker_process_init.connect
def pool_process_prepare(**kwargs) -> None:
    """Each pool process keeps one sandbox warmed ahead for its next code submission."""
    from leaderboard.services import worker_process_prepare

    worker_process_prepare()
