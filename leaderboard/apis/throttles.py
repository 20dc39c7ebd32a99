"""Per-user and per-address throttles of the API, with rates overridable in REST_FRAMEWORK settings."""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle


class _DefaultRateMixin:
    """Take the rate from DEFAULT_THROTTLE_RATES[scope] when set, else from `default_rate`."""

    default_rate = "60/min"

    def get_rate(self) -> str:
        """The configured rate of this scope, falling back to the class default."""
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope) or self.default_rate


class SubmitRateThrottle(_DefaultRateMixin, UserRateThrottle):
    """Upload attempts per user (quotas count accepted submissions; this bounds request bursts)."""

    scope = "submit"
    default_rate = "20/min"


class LoginRateThrottle(_DefaultRateMixin, SimpleRateThrottle):
    """Token requests per client address, authenticated or not (slows password guessing)."""

    scope = "login"
    default_rate = "10/min"

    def get_cache_key(self, request, view) -> str:
        """Key by the client address."""
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class DownloadRateThrottle(_DefaultRateMixin, SimpleRateThrottle):
    """Data bundle downloads per user, or per address when anonymous."""

    scope = "download"
    default_rate = "30/hour"

    def get_cache_key(self, request, view) -> str:
        """Key by user id when authenticated, else by address."""
        ident = request.user.pk if request.user and request.user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
