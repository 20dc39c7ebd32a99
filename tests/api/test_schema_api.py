"""OpenAPI schema and Swagger UI: rendered offline, every endpoint documented."""

from __future__ import annotations

import re

import pytest
import yaml
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_schema_documents_every_endpoint(clients):
    response = clients["anonymous"].get("/api/v1/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["info"]["title"] == "Sparsebench API"
    paths = set(schema["paths"])
    for path in ("/api/v1/auth/token/", "/api/v1/benchmarks/", "/api/v1/benchmarks/{slug}/",
                 "/api/v1/benchmarks/{slug}/leaderboard/", "/api/v1/benchmarks/{slug}/data/",
                 "/api/v1/submissions/", "/api/v1/submissions/{id}/", "/api/v1/submissions/{id}/cancel/"):
        assert path in paths
    operation_ids = [op["operationId"] for item in schema["paths"].values() for op in item.values()]
    assert len(operation_ids) == len(set(operation_ids)) and "submissions_list" in operation_ids
    create = schema["paths"]["/api/v1/submissions/"]["post"]
    assert {"201", "400", "404", "413", "429"} <= set(create["responses"])


def test_schema_is_also_served_as_json(clients):
    response = clients["anonymous"].get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200 and response.json()["openapi"].startswith("3.")


def test_docs_page_loads_every_asset_from_our_own_static_files(clients):
    response = clients["anonymous"].get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    external = [url for url in re.findall(r"""(?:src|href)=["']([^"']+)["']""", html) if "//" in url]
    assert external == []
    assets = re.findall(r"""["'](/static/drf_spectacular_sidecar/[^"']+)["']""", html)
    assert assets
    for asset in assets:
        assert finders.find(asset.removeprefix("/static/")), asset
