"""A submission's figures (artefacts) on its page: shown and served to whoever sees its scores, else 404."""

from __future__ import annotations

import pytest

from leaderboard.models import Submission
from leaderboard.services.artefacts import PNG_SIGNATURE, artefact_dir, submission_artefacts_write

pytestmark = pytest.mark.django_db

PNG = PNG_SIGNATURE + b"a small figure"
NAME = "frames-first-middle-last_dense-above-sparse-below.png"


@pytest.fixture
def figure(entries) -> Submission:
    """The owner's public dev entry with one figure."""
    submission_artefacts_write(submission_id=entries["mine"].pk, artefacts={NAME: PNG})
    return entries["mine"]


def test_the_page_shows_the_figure_and_serves_it_to_every_viewer(client, users, figure) -> None:
    for viewer in (None, users["other"], users["owner"]):
        if viewer is not None:
            client.force_login(viewer)
        html = client.get(f"/submissions/{figure.pk}/").content.decode()
        url = f"/submissions/{figure.pk}/artefacts/{NAME}"
        assert f'src="{url}"' in html and "frames first middle last dense above sparse below" in html
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        assert b"".join(response.streaming_content) == PNG
        assert response["Cache-Control"] == "private, no-store"


def test_a_private_entrys_figure_is_served_to_its_owner_only(client, users, figure) -> None:
    Submission.objects.filter(pk=figure.pk).update(is_public=False)
    url = f"/submissions/{figure.pk}/artefacts/{NAME}"
    assert client.get(url).status_code == 404
    client.force_login(users["other"])
    assert client.get(url).status_code == 404
    client.force_login(users["owner"])
    assert client.get(url).status_code == 200


def test_only_stored_pngs_by_their_names_are_served(client, users, figure) -> None:
    (artefact_dir(submission_id=figure.pk) / "secret.txt").write_text("not a figure")
    client.force_login(users["owner"])
    for name in ("secret.txt", "missing.png", "..%2F..%2Fsecret.png"):
        assert client.get(f"/submissions/{figure.pk}/artefacts/{name}").status_code == 404
    assert "secret.txt" not in client.get(f"/submissions/{figure.pk}/").content.decode()


def test_a_page_without_figures_has_no_figure_section(client, entries) -> None:
    html = client.get(f"/submissions/{entries['theirs'].pk}/").content.decode()
    assert 'id="artefacts"' not in html
