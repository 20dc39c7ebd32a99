"""manage.py token_issue <username> [--create] [--staff] [--rotate]: print a user's API token."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from leaderboard.services import token_create, token_get_or_create


class Command(BaseCommand):
    help = (
        "Print the API token of a user, as the API's token endpoint returns it (created when missing); "
        "--rotate replaces it (clients using the old one are logged out); --create makes the user if missing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--create", action="store_true", help="create the user when it does not exist")
        parser.add_argument("--staff", action="store_true", help="with --create: make the user a host")
        parser.add_argument("--password", default="", help="with --create: the password (default: random)")
        parser.add_argument("--rotate", action="store_true", help="revoke the token, issue a new one")

    def handle(self, *args, username: str, create=False, staff=False, password="", rotate=False, **options):
        model = get_user_model()
        user = model.objects.filter(username=username).first()
        if user is None:
            if not create:
                raise CommandError(f"no user {username!r} (use --create)")
            user = model.objects.create_user(
                username, password=password or secrets.token_urlsafe(16), is_staff=staff
            )
        self.stdout.write(token_create(user=user) if rotate else token_get_or_create(user=user))
