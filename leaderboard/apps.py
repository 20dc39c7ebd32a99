"""Django app configuration for the leaderboard app."""

from django.apps import AppConfig


class LeaderboardConfig(AppConfig):
    """The leaderboard app."""

    name = "leaderboard"
    default_auto_field = "django.db.models.BigAutoField"
