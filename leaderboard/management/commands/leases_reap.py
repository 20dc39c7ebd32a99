"""manage.py leases_reap: run the lease reaper once (the worker's beat runs it periodically)."""

from django.core.management.base import BaseCommand

from leaderboard.services import leases_reap


class Command(BaseCommand):
    help = "Requeue or fail submissions whose lease expired, re-send lost task messages, release held ones."

    def handle(self, *args, **options) -> None:
        result = leases_reap()
        self.stdout.write(
            f"requeued {result.requeued}, failed {result.failed}, re-sent {result.redispatched},"
            f" released {result.released}"
        )
