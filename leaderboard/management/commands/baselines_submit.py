"""manage.py baselines_submit [slug]: submit the missing baseline entries for scoring."""

from django.core.management.base import BaseCommand

from leaderboard.services import baselines_submit


class Command(BaseCommand):
    help = "Create the benchmarks' baseline submissions that do not exist yet (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug", nargs="?", help="benchmark slug (default: every benchmark with data)")

    def handle(self, *args, slug=None, **options) -> None:
        created = baselines_submit(slug=slug)
        for submission in created:
            self.stdout.write(
                f"queued baseline #{submission.pk} {submission.phase}: {submission.method_name}"
            )
        self.stdout.write(f"{len(created)} baseline submission(s) created")
