"""The Sparsebench Django project and app: models, services, selectors, APIs and pages."""
