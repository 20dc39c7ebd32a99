"""Submit page: the form per benchmark format, quota display, errors per field and nothing stored."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from leaderboard.models import Benchmark, Phase, Submission

pytestmark = pytest.mark.django_db


def stored_files(root) -> list:
    """Every payload file under the private submission root."""
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def owner_client(client, users):
    client.force_login(users["owner"])
    return client


def post(client, *, url="/benchmarks/toy/submit/?phase=dev", **fields):
    data = {"method_name": "MySplat", "description": "", "paper_url": "", "code_url": "", "is_public": "on"}
    data.update(fields)
    return client.post(url, data)


def test_submit_page_requires_login(client, phase):
    response = client.get("/benchmarks/toy/submit/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_submit_page_shows_file_field_formats_and_quota(owner_client, phase):
    html = owner_client.get("/benchmarks/toy/submit/?phase=dev").content.decode()
    assert 'type="file"' in html and 'accept=".zip"' in html
    assert "method configuration" not in html.lower()
    assert "ZIP of PNG renders" in html
    assert "<strong>2</strong> of 2 submissions left today" in html
    assert "<strong>10</strong> of 10 left in this phase" in html


def test_submit_page_shows_json_config_field_for_config_benchmarks(owner_client, phase):
    Benchmark.objects.filter(pk=phase.benchmark_id).update(
        formats=[{"kind": "config", "description": "JSON method config"}]
    )
    html = owner_client.get("/benchmarks/toy/submit/").content.decode()
    assert 'name="config"' in html and 'type="file"' not in html


def test_submit_form_shows_errors_per_field_and_stores_nothing(owner_client, phase, private_roots):
    response = post(owner_client, method_name="", paper_url="not a url")
    html = response.content.decode()
    assert response.status_code == 400
    method_block = html.split('id="field-method_name"', 1)[1].split('id="field-', 1)[0]
    assert "a method name is required" in method_block  # the service's words, shown as it wrote them
    paper_block = html.split('id="field-paper_url"', 1)[1].split('id="field-', 1)[0]
    assert "not an http(s) URL: not a url" in paper_block
    upload_block = html.split('id="field-upload"', 1)[1].split('id="field-', 1)[0]
    assert "needs a file" in upload_block
    assert Submission.objects.count() == 0 and stored_files(private_roots) == []


def test_submit_form_maps_service_field_errors_to_the_upload_field(owner_client, phase, private_roots):
    upload = SimpleUploadedFile("renders.tar", b"not a zip", content_type="application/x-tar")
    html = post(owner_client, upload=upload).content.decode()
    upload_block = html.split('id="field-upload"', 1)[1].split('id="field-', 1)[0]
    assert "renders.tar" in upload_block and ".zip" in upload_block
    assert Submission.objects.count() == 0 and stored_files(private_roots) == []


def test_submit_form_rejects_invalid_json_config(owner_client, phase, private_roots):
    Benchmark.objects.filter(pk=phase.benchmark_id).update(formats=[{"kind": "config", "description": "cfg"}])
    html = post(owner_client, config="{not json").content.decode()
    config_block = html.split('id="field-config"', 1)[1].split('id="field-', 1)[0]
    assert "not valid JSON" in config_block
    html = post(owner_client, config="[1, 2]").content.decode()
    assert "must be a JSON object" in html
    assert Submission.objects.count() == 0


def test_submit_form_reports_a_too_large_file_and_stores_nothing(owner_client, phase, private_roots):
    upload = SimpleUploadedFile("renders.zip", b"x" * 5000, content_type="application/zip")
    response = post(owner_client, upload=upload)
    html = response.content.decode()
    assert "this phase accepts at most 4.0\xa0KB" in html and "Nothing was stored." in html
    assert Submission.objects.count() == 0 and stored_files(private_roots) == []


def test_submit_form_reports_an_exhausted_quota(owner_client, phase, users, private_roots):
    for n in range(2):
        Submission.objects.create(
            owner=users["owner"],
            phase=phase,
            method_name=f"m{n}",
            payload_kind="file",
            payload_sha256="0" * 64,
        )
    upload = SimpleUploadedFile("renders.zip", b"PK\x05\x06" + b"\0" * 18, content_type="application/zip")
    html = post(owner_client, upload=upload).content.decode()
    form_errors = html.split('id="form-errors"', 1)[1].split("</div>", 1)[0]
    assert "Submission quota reached (2/2 today" in form_errors and "Nothing was stored." in form_errors
    assert Submission.objects.count() == 2 and stored_files(private_roots) == []


def test_submit_form_reports_a_closed_phase(owner_client, closed_phase, private_roots):
    upload = SimpleUploadedFile("renders.zip", b"PK\x05\x06" + b"\0" * 18, content_type="application/zip")
    response = post(owner_client, url="/benchmarks/toy/submit/?phase=test", upload=upload)
    html = response.content.decode()
    form_errors = html.split('id="form-errors"', 1)[1].split("</div>", 1)[0]
    assert "Test is not accepting submissions: it is outside its submission dates." in form_errors
    assert "Nothing was stored." in form_errors
    assert Submission.objects.count() == 0 and stored_files(private_roots) == []


def test_submit_form_creates_a_queued_submission_and_redirects(owner_client, phase, users, private_roots):
    upload = SimpleUploadedFile("renders.zip", b"PK\x05\x06" + b"\0" * 18, content_type="application/zip")
    response = post(owner_client, upload=upload, paper_url="https://example.org/paper", is_anonymous="on")
    submission = Submission.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/submissions/{submission.pk}/"
    assert submission.owner == users["owner"] and submission.phase == phase
    assert submission.status == Submission.Status.QUEUED and submission.is_anonymous and submission.is_public
    assert submission.paper_url == "https://example.org/paper"
    assert len(stored_files(private_roots)) == 1


def test_submit_page_unknown_phase_is_404(owner_client, phase):
    assert owner_client.get("/benchmarks/toy/submit/?phase=nope").status_code == 404
    Phase.objects.filter(pk=phase.pk).update(is_visible=False)
    assert owner_client.get("/benchmarks/toy/submit/?phase=dev").status_code == 404


def test_submit_while_the_data_builds_is_held_and_its_page_says_so(owner_client, phase, private_roots):
    Benchmark.objects.filter(pk=phase.benchmark_id).update(data_status="building", data_stage="40% scenes")
    form = owner_client.get("/benchmarks/toy/submit/?phase=dev").content.decode()
    assert "being built (40% scenes): you can submit now" in form
    assert '<button type="submit" class="button primary">' in form  # enabled
    upload = SimpleUploadedFile("renders.zip", b"PK\x05\x06" + b"\0" * 18, content_type="application/zip")
    response = post(owner_client, upload=upload)
    submission = Submission.objects.get()
    assert response.status_code == 302 and submission.is_held and len(stored_files(private_roots)) == 1
    page = owner_client.get(response["Location"]).content.decode()
    assert "waits for the benchmark data" in page  # the message after the redirect
    waiting = page.split('id="waiting">', 1)[1].split("</div>", 1)[0]
    assert waiting.startswith("waiting for the benchmark data: it is building (40% scenes)")
    status = owner_client.get(f"/submissions/{submission.pk}/status.json").json()
    assert status["waiting"] == waiting and status["queue"] == ""


def test_submit_form_refuses_while_the_data_build_failed(owner_client, phase, private_roots):
    Benchmark.objects.filter(pk=phase.benchmark_id).update(data_status=Benchmark.DataStatus.FAILED)
    upload = SimpleUploadedFile("renders.zip", b"PK\x05\x06" + b"\0" * 18, content_type="application/zip")
    html = post(owner_client, upload=upload).content.decode()
    assert "the benchmark&#x27;s data failed to build" in html
    assert Submission.objects.count() == 0 and stored_files(private_roots) == []


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested more than"),
        ('{"k": ' + "9" * 5000 + "}", "integer of 5000 digits; at most 20 allowed (at k)"),
    ],
)
def test_submit_form_refuses_config_json_bombs_on_the_config_field(owner_client, phase, config, message):
    Benchmark.objects.filter(pk=phase.benchmark_id).update(formats=[{"kind": "config", "description": "cfg"}])
    response = post(owner_client, config=config)
    assert response.status_code == 400
    config_block = response.content.decode().split('id="field-config"', 1)[1].split('id="field-', 1)[0]
    assert message in config_block
    assert Submission.objects.count() == 0


def test_submit_form_refuses_two_files_on_the_upload_field(owner_client, phase, private_roots):
    files = [SimpleUploadedFile(f"r{n}.zip", b"PK\x05\x06" + b"\0" * 18) for n in range(2)]
    response = post(owner_client, upload=files)
    assert response.status_code == 400
    upload_block = response.content.decode().split('id="field-upload"', 1)[1].split('id="field-', 1)[0]
    assert "2 files were sent; send exactly one" in upload_block
    assert Submission.objects.count() == 0 and stored_files(private_roots) == []


def test_submit_form_accepts_a_config_starting_with_a_utf8_bom(owner_client, phase):
    Benchmark.objects.filter(pk=phase.benchmark_id).update(formats=[{"kind": "config", "description": "cfg"}])
    response = post(owner_client, config='\ufeff{"k": 8}')
    assert response.status_code == 302
    assert Submission.objects.get().payload_config == {"k": 8}


def test_a_second_upload_of_the_same_file_is_flagged_on_the_page_it_lands_on(
    owner_client, phase, private_roots
):
    body = b"PK\x05\x06" + b"\0" * 18
    first = post(owner_client, upload=SimpleUploadedFile("renders.zip", body, content_type="application/zip"))
    assert (
        first.status_code == 302
        and "Same content" not in owner_client.get(first["Location"]).content.decode()
    )
    again = SimpleUploadedFile("renamed.zip", body, content_type="application/zip")
    second = owner_client.post(
        "/benchmarks/toy/submit/?phase=dev",
        {"method_name": "Again", "is_public": "on", "upload": again},
        follow=True,
    )
    earlier = Submission.objects.order_by("pk").first().pk
    assert f"Same content as your submission #{earlier} to this phase" in second.content.decode()
    assert Submission.objects.count() == 2  # flagged, not refused


def test_a_full_submission_storage_is_said_on_the_form_and_nothing_is_stored(
    owner_client, phase, private_roots, monkeypatch
):
    import builtins
    import errno

    real_open = builtins.open

    def open_or_fail(file, mode="r", *args, **kwargs):
        if "x" in mode:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", open_or_fail)
    upload = SimpleUploadedFile("renders.zip", b"PK\x05\x06" + b"\0" * 18, content_type="application/zip")
    response = post(owner_client, upload=upload)
    html = response.content.decode()
    assert response.status_code != 500 and "the submission storage is full" in html
    assert "Nothing was stored and no quota was used" in html
    assert Submission.objects.count() == 0 and stored_files(private_roots) == []


CODE_FORMATS = [
    {"kind": "config", "description": "JSON method config", "extensions": []},
    {"kind": "file", "description": "your selection code", "extensions": ["py", "zip"], "code": True},
]


def test_a_code_file_to_a_phase_without_code_is_refused_on_the_form(owner_client, phase, private_roots):
    Benchmark.objects.filter(pk=phase.benchmark_id).update(formats=CODE_FORMATS)
    html = owner_client.get("/benchmarks/toy/submit/?phase=dev").content.decode()
    assert 'id="code-phases"' in html and "Taken by no phase; not by Development" in html
    code = SimpleUploadedFile("method.py", b"def select(q, k, **info):\n    return {}\n")
    response = post(owner_client, upload=code)
    html = response.content.decode()
    assert response.status_code == 400
    assert "phase toy/dev (Development) does not accept code submissions" in html and "accepts_code" in html
    assert not Submission.objects.exists() and stored_files(private_roots / "submissions") == []
    assert "<strong>2</strong> of 2 submissions left today" in html


def test_the_submit_page_names_the_phases_that_take_code(owner_client, phase, closed_phase, monkeypatch):
    from sb_sandbox import sandbox_assumed

    sandbox_assumed(monkeypatch)  # where code runs (tests/api/test_code_refused_api.py: where it does not)
    Benchmark.objects.filter(pk=phase.benchmark_id).update(formats=CODE_FORMATS)
    Phase.objects.filter(pk=closed_phase.pk).update(accepts_code=True)
    html = owner_client.get("/benchmarks/toy/submit/?phase=test").content.decode()
    assert "Taken by the phases Test." in html and 'accept=".py,.zip"' in html
    html = owner_client.get("/benchmarks/toy/submit/?phase=dev").content.decode()
    assert "Taken by the phases Test; not by Development." in html and 'accept=".py,.zip"' not in html


def test_without_bubblewrap_the_page_says_why_code_is_refused_and_the_form_refuses_it(
    owner_client, phase, private_roots, tmp_path
):
    from sb_sandbox import sandbox_unavailable

    from evaluator.sandbox import sandbox_available

    Benchmark.objects.filter(pk=phase.benchmark_id).update(formats=CODE_FORMATS)
    Phase.objects.filter(pk=phase.pk).update(accepts_code=True)
    with sandbox_unavailable("refused", tmp_path) as reason:
        html = owner_client.get("/benchmarks/toy/submit/?phase=dev").content.decode()
        assert 'id="code-refused"' in html and reason in html and 'accept=".py,.zip"' not in html
        response = post(
            owner_client, upload=SimpleUploadedFile("method.py", b"def select(q, k, **i):\n    return {}\n")
        )
        html = response.content.decode()
        assert (
            response.status_code == 400
            and "this deployment refuses code submissions" in html
            and reason in html
        )
        assert not Submission.objects.exists() and stored_files(private_roots / "submissions") == []
    html = owner_client.get("/benchmarks/toy/submit/?phase=dev").content.decode()
    assert ('id="code-refused"' in html) == (not sandbox_available()[0])  # negative control: gone with bwrap


def test_submit_page_accepts_the_synced_extensions_with_their_dot(owner_client, phase):
    Benchmark.objects.filter(pk=phase.benchmark_id).update(
        formats=[{"kind": "file", "description": "answers", "extensions": ["json", "NPZ"]}]
    )
    html = owner_client.get("/benchmarks/toy/submit/?phase=dev").content.decode()
    assert 'accept=".json,.npz"' in html and "Accepted: .json, .npz" in html
