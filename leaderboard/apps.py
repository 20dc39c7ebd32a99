"""Django app configuration for the leaderboard app."""

from django.apps import AppConfig


class LeaderboardConfig(AppConfig):
    """The leaderboard app."""

    name = "leaderboard"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Connect the board refreshes of writes that bypass the services."""
        from leaderboard.signals import signals_connect

        signals_connect()
