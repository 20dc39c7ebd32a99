"""URL patterns of the portal pages (mounted at /)."""

from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from leaderboard.views import accounts, benchmarks, payloads, submissions, submit, verification
from leaderboard.views.login import ThrottledLoginView

urlpatterns = [
    path("favicon.ico", RedirectView.as_view(url=static("portal/favicon.ico"), permanent=True),
         name="favicon"),
    path("", benchmarks.home, name="home"),
    path("benchmarks/<slug:slug>/", benchmarks.benchmark_detail, name="benchmark-detail"),
    path("benchmarks/<slug:slug>/submit/", submit.submit, name="benchmark-submit"),
    path("submissions/", submissions.submission_list, name="submission-list"),
    path("submissions/<int:submission_id>/", submissions.submission_detail, name="submission-detail"),
    path(
        "submissions/<int:submission_id>/artefacts/<str:name>",
        submissions.submission_artefact,
        name="submission-artefact",
    ),
    path(
        "submissions/<int:submission_id>/items.csv",
        submissions.submission_items_csv,
        name="submission-items-csv",
    ),
    path(
        "submissions/<int:submission_id>/payload/", payloads.submission_payload, name="submission-payload"
    ),
    path(
        "submissions/<int:submission_id>/status.json", submissions.submission_status, name="submission-status"
    ),
    path(
        "submissions/<int:submission_id>/cancel/",
        submissions.submission_cancel_view,
        name="submission-cancel",
    ),
    path("accounts/signup/", accounts.signup, name="signup"),
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/token/", accounts.api_token, name="api-token"),
    path("accounts/verify/", verification.verification, name="account-verification"),
    path("accounts/verify/<str:token>/", verification.verify, name="account-verify"),
]
