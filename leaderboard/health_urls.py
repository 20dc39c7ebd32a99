"""URL patterns: health_urls."""

urlpatterns: list = []
