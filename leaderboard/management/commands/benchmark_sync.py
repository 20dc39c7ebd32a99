"""manage.py benchmark_sync: mirror every registered benchmark and its phases into the database."""

from django.core.management.base import BaseCommand, CommandError

from leaderboard.services import BenchmarkSpecError, benchmark_sync_all


def _phase_text(slug: str, *, hosted: bool, cancelled: int | None) -> str:
    """One phase as listed: its slug, and when not hosted, closed (by this sync: with what it cancelled)."""
    if hosted:
        return slug
    if cancelled is None:
        return f"{slug} (not hosted now: closed)"
    plural = "" if cancelled == 1 else "s"
    return f"{slug} (not hosted now: closed by this sync, {cancelled} waiting submission{plural} cancelled)"


class Command(BaseCommand):
    help = "Create or update benchmarks and phases from the evaluator registry (host edits are kept)."

    def handle(self, *args, **options) -> None:
        try:
            synced = benchmark_sync_all()
        except BenchmarkSpecError as exc:
            listed = "\n".join(f"  - {problem}" for problem in exc.problems)
            message = f"benchmark {exc.slug!r} cannot be hosted; nothing was written for it:\n{listed}"
            raise CommandError(message) from exc
        for one in synced:
            benchmark = one.benchmark
            rows = benchmark.phases.values_list("slug", "is_hosted")
            phases = ", ".join(
                _phase_text(slug, hosted=hosted, cancelled=one.closed.get(slug)) for slug, hosted in rows
            )
            self.stdout.write(f"{benchmark.slug} {benchmark.version} [{benchmark.data_status}]: {phases}")
