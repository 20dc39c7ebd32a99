"""A public leaderboard entry's page, per-item CSV and status JSON: who sees what."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.base import ContentFile

from leaderboard.models import Benchmark, Phase, Score, Submission

pytestmark = pytest.mark.django_db

SECRETS = ("all done", "sha256", "rendering finished on worker-7", "payload.zip", "stack trace of worker")


@pytest.fixture
def entry(entries) -> Submission:
    """The owner's public dev entry, with everything an author fills in and the internals a worker leaves."""
    Submission.objects.filter(pk=entries["mine"].pk).update(
        description="Splats fitted from the three input views.",
        paper_url="https://example.org/splat-paper",
        code_url="https://example.org/splat-code",
        stage="rendering finished on worker-7",
        payload_name="payload.zip",
        error_message="stack trace of worker",
    )
    return Submission.objects.get(pk=entries["mine"].pk)


def _viewers(client, users):
    """Yield the client as an anonymous visitor, then logged in as another user."""
    yield "anonymous"
    client.force_login(users["other"])
    yield "other"


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_entry_page_shows_the_public_facts_to_visitors_and_other_users(client, users, entry):
    for _ in _viewers(client, users):
        response = client.get(f"/submissions/{entry.pk}/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "OliveSplat" in html and "Splats fitted from the three input views." in html
        assert 'href="https://example.org/splat-paper"' in html
        assert 'href="https://example.org/splat-code"' in html
        assert 'id="submitter">olive<' in html and "Toy rendering · Development" in html
        assert "30.50" in html and "0.0800" in html and "not measured for file submissions" in html
        assert "cam_000" in html and "31.25" in html and "0.0521" in html
        assert "Protocol 1" in html and "cpu: test-cpu" in html
        assert f"/submissions/{entry.pk}/items.csv" in html


def test_entry_page_hides_payload_log_error_stage_and_cancel_from_others(client, users, entry):
    for _ in _viewers(client, users):
        html = client.get(f"/submissions/{entry.pk}/").content.decode()
        assert not [secret for secret in SECRETS if secret in html]
        assert "Cancel this submission" not in html and 'id="error-message"' not in html


def test_entry_page_shows_the_internals_to_the_owner(client, users, entry):
    client.force_login(users["owner"])
    html = client.get(f"/submissions/{entry.pk}/").content.decode()
    assert "all done" in html and "sha256" in html and "rendering finished on worker-7" in html


def test_entry_page_of_an_anonymous_entry_never_names_its_owner(client, users, entry):
    Submission.objects.filter(pk=entry.pk).update(is_anonymous=True)
    for _ in _viewers(client, users):
        for suffix in ("", "items.csv", "status.json"):
            text = client.get(f"/submissions/{entry.pk}/{suffix}").content.decode()
            assert "olive" not in text
        html = client.get(f"/submissions/{entry.pk}/").content.decode()
        assert 'id="submitter">anonymous<' in html and "30.50" in html


@pytest.mark.parametrize(
    "change",
    [{"is_public": False}, {"is_hidden": True}, {"status": "failed"}, {"status": "running"}],
    ids=["not-public", "hidden-by-host", "failed", "unscored"],
)
def test_unlisted_submission_is_404_to_others_and_visible_to_its_owner(client, users, entry, change):
    Submission.objects.filter(pk=entry.pk).update(**change)
    urls = [f"/submissions/{entry.pk}/{suffix}" for suffix in ("", "items.csv", "status.json")]
    for _ in _viewers(client, users):
        for url in urls:
            response = client.get(url)
            assert response.status_code == 404 and "OliveSplat" not in response.content.decode()
    client.force_login(users["owner"])
    assert [client.get(url).status_code for url in urls] == [200, 200, 200]


def test_entry_on_retired_data_keeps_its_public_page(client, users, entry):
    Benchmark.objects.filter(pk=entry.phase.benchmark_id).update(data_id="data-v2")
    Submission.objects.filter(pk=entry.pk).update(data_id="data-v1")
    for _ in _viewers(client, users):
        html = client.get(f"/submissions/{entry.pk}/").content.decode()
        assert 'id="retired-data"' in html and "30.50" in html


def test_private_split_of_an_entry_is_hidden_from_all_but_staff_while_unpublished(client, users, entries):
    url = f"/submissions/{entries['mine'].pk}/"
    for _ in _viewers(client, users):
        html = client.get(url).content.decode()
        assert "Scores · private split" not in html and "28.00" not in html
        assert {row[0] for row in _csv_rows(client.get(url + "items.csv"))[1:]} == {"public"}
    client.force_login(users["owner"])
    assert "Scores · private split" not in client.get(url).content.decode()
    client.force_login(users["staff"])
    assert "Scores · private split" in client.get(url).content.decode()


def test_private_split_of_an_entry_is_public_once_its_phase_publishes_it(client, users, entries):
    closed = entries["closed"]
    Score.objects.filter(submission=closed, split="private").update(
        items=[{"item": "cam_009", "group": "lego", "values": {"psnr": 24.5}}]
    )
    url = f"/submissions/{closed.pk}/"
    for _ in _viewers(client, users):
        html = client.get(url).content.decode()
        assert "Scores · private split" in html and "24.12" in html
        assert ["private", "lego", "cam_009", "24.5"] in _csv_rows(client.get(url + "items.csv"))
    Phase.objects.filter(pk=closed.phase_id).update(show_private_after_close=False)
    client.logout()
    html = client.get(url).content.decode()
    assert "Scores · private split" not in html and "24.12" not in html
    assert "cam_009" not in client.get(url + "items.csv").content.decode()


def test_status_json_of_a_public_entry_omits_the_stage_for_others(client, users, entry):
    expected = {"id": entry.pk, "status": "scored", "progress": 1.0, "stage": "", "waiting": "", "queue": "",
                "is_terminal": True}
    for _ in _viewers(client, users):
        assert client.get(f"/submissions/{entry.pk}/status.json").json() == expected
    client.force_login(users["owner"])
    status = client.get(f"/submissions/{entry.pk}/status.json").json()
    assert status["stage"] == "rendering finished on worker-7"


def test_submitted_code_of_a_public_entry_is_shown_to_its_owner_only(client, users, entry):
    Benchmark.objects.filter(pk=entry.phase.benchmark_id).update(
        formats=[{"kind": "file", "description": "Python code", "extensions": [".py"]}]
    )
    entry.payload_file.save("solution.py", ContentFile(b"SECRET_CONSTANT = 42\n"), save=True)
    for _ in _viewers(client, users):
        html = client.get(f"/submissions/{entry.pk}/").content.decode()
        assert "SECRET_CONSTANT" not in html and 'id="submitted-code"' not in html
    client.force_login(users["owner"])
    assert "SECRET_CONSTANT" in client.get(f"/submissions/{entry.pk}/").content.decode()


@pytest.mark.parametrize("hidden", ["benchmark", "phase"])
def test_entries_of_a_hidden_benchmark_or_phase_are_404_to_others(client, users, entries, hidden):
    phase = entries["mine"].phase
    model, pk = (Benchmark, phase.benchmark_id) if hidden == "benchmark" else (Phase, phase.pk)
    model.objects.filter(pk=pk).update(is_visible=False)
    for _ in _viewers(client, users):
        for key in ("mine", "baseline"):
            assert client.get(f"/submissions/{entries[key].pk}/").status_code == 404
    client.force_login(users["owner"])
    assert client.get(f"/submissions/{entries['mine'].pk}/").status_code == 200


def test_submit_form_says_what_a_public_entry_shows(client, users, phase):
    client.force_login(users["owner"])
    html = client.get("/benchmarks/toy/submit/?phase=dev").content.decode()
    assert "anyone can open its page" in html and "never your file, code, log or errors" in html
