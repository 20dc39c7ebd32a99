"""Counters in the shared cache, per client address or per account: the portal's sign-in, sign-up and
verification-mail limits (the address is the one the API throttles count: SPARSEBENCH_PROXIES decides)."""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest
from rest_framework.throttling import AnonRateThrottle


def client_address(request: HttpRequest) -> str:
    """The request's client address, as the API throttles see it (X-Forwarded-For only behind proxies)."""
    return AnonRateThrottle().get_ident(request)


def count_get(key: str) -> int:
    """The current count under `key` (0 when none or expired)."""
    return int(cache.get(key, 0))


def count_add(key: str, *, window_s: int) -> int:
    """Add one to the count under `key`, which expires `window_s` after its first hit; the new count."""
    cache.add(key, 0, timeout=window_s)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window_s)
        return 1
