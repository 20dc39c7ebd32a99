"""manage.py benchmark_sync: mirror every registered benchmark and its phases into the database."""

from django.core.management.base import BaseCommand

from leaderboard.services import benchmark_sync_all


class Command(BaseCommand):
    help = "Create or update benchmarks and phases from the evaluator registry (host edits are kept)."

    def handle(self, *args, **options) -> None:
        for benchmark in benchmark_sync_all():
            phases = ", ".join(benchmark.phases.values_list("slug", flat=True))
            self.stdout.write(f"{benchmark.slug} {benchmark.version} [{benchmark.data_status}]: {phases}")
