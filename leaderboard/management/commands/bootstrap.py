"""manage.py bootstrap: sync benchmarks, build missing data, submit missing baselines (after migrate)."""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from leaderboard.models import Benchmark


class Command(BaseCommand):
    help = "Prepare a fresh installation: benchmark_sync, benchmark_build of missing data, baselines_submit."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--no-baselines", action="store_true", help="skip submitting baselines")

    def handle(self, *args, no_baselines=False, **options) -> None:
        call_command("benchmark_sync", stdout=self.stdout, stderr=self.stderr)
        missing = Benchmark.objects.exclude(data_status=Benchmark.DataStatus.READY).values_list(
            "slug", flat=True
        )
        failed = []
        for slug in list(missing):
            try:
                call_command("benchmark_build", slug, stdout=self.stdout, stderr=self.stderr)
            except CommandError as exc:
                failed.append(slug)
                self.stderr.write(str(exc))
        if not no_baselines:
            call_command("baselines_submit", stdout=self.stdout, stderr=self.stderr)
        if failed:
            raise CommandError(f"data missing for {', '.join(failed)}; the rest is ready")
