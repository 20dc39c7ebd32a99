"""The REST API (Django REST framework) mounted at /api/v1/: thin views over services and selectors."""
