"""API errors: one exception handler in the DRF settings, not-found recognised by type."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import get_resolver
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from leaderboard.apis.errors import api_exception_handler
from leaderboard.models import Submission
from leaderboard.services.errors import InvalidTransition, NotAllowed


def _api_views() -> list[type]:
    """Every APIView class routed under /api/v1/."""
    resolver = get_resolver()
    views = []
    for pattern in resolver.url_patterns:
        if str(pattern.pattern) == "api/v1/":
            views = [p.callback.cls for p in pattern.url_patterns if hasattr(p.callback, "cls")]
    assert views, "no API views found under api/v1/"
    return views


def test_api_exception_handler_is_the_one_in_the_settings():
    assert api_settings.EXCEPTION_HANDLER is api_exception_handler


@pytest.mark.parametrize("view", _api_views(), ids=lambda view: view.__name__)
def test_api_views_leave_exceptions_to_the_settings_handler(view):
    assert view.handle_exception is APIView.handle_exception
    assert view.get_exception_handler is APIView.get_exception_handler


@pytest.mark.parametrize(
    "error", [Submission.DoesNotExist("no submission 7"), get_user_model().DoesNotExist()]
)
def test_api_exception_handler_answers_any_orm_not_found_with_404(error):
    response = api_exception_handler(error, {})
    assert response.status_code == 404
    assert response.data["detail"] == (str(error) or "not found")


def test_api_exception_handler_does_not_take_a_class_named_does_not_exist_for_not_found():
    DoesNotExist = type("DoesNotExist", (Exception,), {})  # noqa: N806 - a look-alike name on purpose
    assert api_exception_handler(DoesNotExist("lookalike"), {}) is None  # DRF re-raises it: a 500


def test_api_exception_handler_renders_service_refusals():
    assert api_exception_handler(InvalidTransition("already finished"), {}).status_code == 409
    refused = api_exception_handler(NotAllowed("hosts only"), {})
    assert refused.status_code == 403 and refused.data == {"detail": "hosts only"}


def test_api_not_found_through_a_view_is_a_json_404(clients, entries):
    response = clients["owner"].get("/api/v1/submissions/999999/")
    assert response.status_code == 404 and "detail" in response.json()
