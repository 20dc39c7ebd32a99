"""manage.py benchmark_import <slug> <source_dir>: import a real dataset through the benchmark's importer."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from leaderboard.models import Benchmark
from leaderboard.services import BenchmarkDataError, benchmark_data_import


class Command(BaseCommand):
    help = "Import external data for a benchmark (replaces its current data for this version)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug")
        parser.add_argument("source_dir", type=Path)

    def handle(self, *args, slug: str, source_dir: Path, **options) -> None:
        if not Benchmark.objects.filter(slug=slug).exists():
            raise CommandError(f"unknown benchmark {slug!r}: run benchmark_sync first")
        try:
            benchmark = benchmark_data_import(slug=slug, source=source_dir)
        except BenchmarkDataError as exc:
            raise CommandError(f"import failed: {exc}") from None
        self.stdout.write(f"{slug}: {benchmark.data_status} ({benchmark.data_origin})")
