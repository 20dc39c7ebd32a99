"""Celery app and thin tasks: ids in, one service call, nothing else."""

from workers.celery import app

__all__ = ["app"]
