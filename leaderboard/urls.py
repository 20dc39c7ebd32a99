"""Root URL configuration: admin, the REST API under /api/v1/, health, and the portal pages."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("leaderboard.api_urls")),
    path("", include("leaderboard.health_urls")),
    path("", include("leaderboard.page_urls")),
]
