"""URL patterns: api_urls."""

urlpatterns: list = []
