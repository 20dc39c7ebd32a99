"""A worker's pool process, once started, keeps a code sandbox warmed ahead."""

from __future__ import annotations

from celery.signals import worker_process_init

import workers.signals  # noqa: F401  (connects the worker's signal handlers)
from evaluator.sandbox import spare


def test_a_pool_process_start_enables_the_spare_sandbox():
    try:
        worker_process_init.send(sender=None)
        assert spare._state["enabled"] and spare._state["spare"] is not None
    finally:
        spare.spare_disable()
    assert not spare._state["enabled"] and spare._state["spare"] is None
