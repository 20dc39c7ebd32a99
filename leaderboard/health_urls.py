"""URL patterns: /healthz."""

from django.urls import path

from leaderboard.health import healthz

urlpatterns = [path("healthz", healthz, name="healthz")]
