"""manage.py benchmark_build [slug] [--force]: build benchmark data into DATA_ROOT/<slug>/<version>/."""

from django.core.management.base import BaseCommand, CommandError

from leaderboard.models import Benchmark
from leaderboard.services import BenchmarkDataError, benchmark_data_build


class Command(BaseCommand):
    help = "Build the public and hidden data of one benchmark (or all) with SPARSEBENCH_BUILD_SEED."

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug", nargs="?", help="benchmark slug (default: every synced benchmark)")
        parser.add_argument("--force", action="store_true", help="rebuild even when the data is ready")

    def handle(self, *args, slug=None, force=False, **options) -> None:
        slugs = [slug] if slug else list(Benchmark.objects.values_list("slug", flat=True))
        if slug and not Benchmark.objects.filter(slug=slug).exists():
            raise CommandError(f"unknown benchmark {slug!r}: run benchmark_sync first")
        failed = []
        for name in slugs:
            self.stdout.write(f"building {name} ...")
            try:
                benchmark = benchmark_data_build(slug=name, force=force)
            except BenchmarkDataError as exc:
                failed.append(name)
                self.stderr.write(f"{name}: build failed: {exc}")
                continue
            self.stdout.write(f"{name}: {benchmark.data_status} ({benchmark.data_origin})")
        if failed:
            raise CommandError(f"build failed for {', '.join(failed)}")
