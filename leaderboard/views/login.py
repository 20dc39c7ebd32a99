"""The portal's sign-in: Django's login view with failed attempts counted per client address."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.forms.utils import ErrorDict
from django.http import HttpRequest, HttpResponse

from leaderboard.views.counters import client_address, count_add, count_get

WINDOW_S = 15 * 60


def _failures_key(request: HttpRequest) -> str:
    """The cache key of the failed sign-ins of the request's client (the API throttles' notion of it)."""
    return f"portal-login-failures:{client_address(request)}"


class ThrottledLoginView(auth_views.LoginView):
    """After SPARSEBENCH_LOGIN_FAILURES failed sign-ins from one address within 15 minutes, the form refuses
    (HTTP 429) until the window ends; a successful sign-in does not reset the count."""

    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        """Refuse while the address is over its limit, else sign in and count a failure."""
        key = _failures_key(request)
        if count_get(key) >= settings.LOGIN_FAILURES_LIMIT:
            # bound to the user name alone: the password is not even checked
            form = self.get_form_class()(request=request, data={"username": request.POST.get("username", "")})
            form.full_clean()
            form._errors = ErrorDict()
            form.add_error(None, "Too many failed sign-ins from your address: try again in 15 minutes.")
            return self.render_to_response(self.get_context_data(form=form), status=429)
        response = super().post(request, *args, **kwargs)
        if response.status_code == 200:  # the form came back: the credentials were refused
            count_add(key, window_s=WINDOW_S)
        return response
