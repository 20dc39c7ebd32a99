"""Data bundle endpoint: the phase's public paths as a ZIP, never anything of the hidden data."""

from __future__ import annotations

import io
import zipfile

import pytest

pytestmark = pytest.mark.django_db
URL = "/api/v1/benchmarks/tiny/data/"


def _names(response) -> list[str]:
    return sorted(zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist())


def test_data_bundle_holds_only_the_phase_public_paths(clients, phases):
    response = clients["anonymous"].get(URL, {"phase": "dev"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert 'filename="tiny-dev-public.zip"' in response["Content-Disposition"]
    assert _names(response) == ["dev/questions.json"]


def test_data_bundle_of_another_phase_has_its_own_paths(clients, phases):
    assert _names(clients["owner"].get(URL, {"phase": "test"})) == ["README.txt", "test/questions.json"]


def test_data_bundle_never_contains_hidden_data(clients, phases):
    for phase in ("dev", "test"):
        payload = b"".join(clients["staff"].get(URL, {"phase": phase}).streaming_content)
        archive = zipfile.ZipFile(io.BytesIO(payload))
        assert not any("hidden" in name or "answers" in name for name in archive.namelist())
        assert all(b"HIDDEN-ANSWERS" not in archive.read(name) for name in archive.namelist())


def test_data_bundle_answers_zip_accept_header(clients, phases):
    response = clients["anonymous"].get(URL, {"phase": "dev"}, HTTP_ACCEPT="application/zip")
    assert response.status_code == 200 and _names(response) == ["dev/questions.json"]


def test_data_bundle_needs_a_phase(clients, phases):
    response = clients["anonymous"].get(URL)
    assert response.status_code == 400 and "phase" in response.json()


def test_data_bundle_unknown_phase_or_benchmark_is_404(clients, phases):
    assert clients["anonymous"].get(URL, {"phase": "final"}).status_code == 404
    assert clients["anonymous"].get("/api/v1/benchmarks/nope/data/", {"phase": "dev"}).status_code == 404


def test_data_bundle_of_unbuilt_data_is_503(clients, phases, private_roots):
    import shutil

    shutil.rmtree(private_roots / "data")
    response = clients["anonymous"].get(URL, {"phase": "dev"})
    assert response.status_code == 503 and "not built" in response.json()["detail"]
