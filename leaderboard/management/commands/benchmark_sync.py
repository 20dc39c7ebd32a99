"""manage.py benchmark_sync: mirror every registered benchmark and its phases into the database."""

from django.core.management.base import BaseCommand, CommandError

from leaderboard.services import BenchmarkSpecError, benchmark_sync_all


class Command(BaseCommand):
    help = "Create or update benchmarks and phases from the evaluator registry (host edits are kept)."

    def handle(self, *args, **options) -> None:
        try:
            benchmarks = benchmark_sync_all()
        except BenchmarkSpecError as exc:
            listed = "\n".join(f"  - {problem}" for problem in exc.problems)
            message = f"benchmark {exc.slug!r} cannot be hosted; nothing was written for it:\n{listed}"
            raise CommandError(message) from exc
        for benchmark in benchmarks:
            rows = benchmark.phases.values_list("slug", "is_hosted")
            phases = ", ".join(s if hosted else f"{s} (not hosted now: closed)" for s, hosted in rows)
            self.stdout.write(f"{benchmark.slug} {benchmark.version} [{benchmark.data_status}]: {phases}")
