"""URL patterns: page_urls."""

urlpatterns: list = []
