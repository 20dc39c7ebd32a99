"""URL patterns of the REST API, mounted at /api/v1/: endpoints, the OpenAPI schema and its docs."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from leaderboard.apis.views_auth import TokenView
from leaderboard.apis.views_benchmarks import (
    BenchmarkDetailView,
    BenchmarkListView,
    LeaderboardView,
    PhaseDataView,
)
from leaderboard.apis.views_submissions import (
    SubmissionCancelView,
    SubmissionCollectionView,
    SubmissionDetailView,
)

app_name = "api"

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("benchmarks/", BenchmarkListView.as_view(), name="benchmark-list"),
    path("benchmarks/<slug:slug>/", BenchmarkDetailView.as_view(), name="benchmark-detail"),
    path("benchmarks/<slug:slug>/leaderboard/", LeaderboardView.as_view(), name="leaderboard"),
    path("benchmarks/<slug:slug>/data/", PhaseDataView.as_view(), name="phase-data"),
    path("submissions/", SubmissionCollectionView.as_view(), name="submission-list"),
    path("submissions/<int:pk>/", SubmissionDetailView.as_view(), name="submission-detail"),
    path("submissions/<int:pk>/cancel/", SubmissionCancelView.as_view(), name="submission-cancel"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
