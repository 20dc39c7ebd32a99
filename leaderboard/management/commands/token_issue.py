"""manage.py token_issue <username> [--create] [--staff] [--rotate]: issue an API token, print it (a user
it creates is made by the operator, so it counts as verified)."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from leaderboard.services import account_mark_verified, token_create, token_issue


class Command(BaseCommand):
    help = (
        "Issue a new API token to a user and print it (only its hash is stored: it cannot be shown again); "
        "--rotate revokes the user's other tokens; --create makes the user if missing (verified: an "
        "operator vouches for it)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--create", action="store_true", help="create the user when it does not exist")
        parser.add_argument("--staff", action="store_true", help="with --create: make the user a host")
        parser.add_argument("--password", default="", help="with --create: the password (default: random)")
        parser.add_argument("--rotate", action="store_true", help="revoke the user's other tokens")

    def handle(self, *args, username: str, create=False, staff=False, password="", rotate=False, **options):
        model = get_user_model()
        user = model.objects.filter(username=username).first()
        if user is None:
            if not create:
                raise CommandError(f"no user {username!r} (use --create)")
            user = model.objects.create_user(
                username, password=password or secrets.token_urlsafe(16), is_staff=staff
            )
            account_mark_verified(user=user)
        self.stdout.write(token_create(user=user) if rotate else token_issue(user=user))
