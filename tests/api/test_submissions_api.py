"""Submission endpoints: create (file or config), every refusal, listing, detail with scores, cancel."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from leaderboard import services
from leaderboard.models import Submission

pytestmark = pytest.mark.django_db
URL = "/api/v1/submissions/"


def _form(**overrides) -> dict:
    form = {"benchmark": "tiny", "phase": "dev", "method_name": "MyNet", "config": '{"guess": 1}'}
    form.update(overrides)
    return {key: value for key, value in form.items() if value is not None}


def _answers(answers, name="answers.json") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, json.dumps({"answers": answers}).encode())


def _stored_files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_submission_create_with_a_file_returns_201_queued(clients, phases, private_roots):
    response = clients["owner"].post(URL, _form(config=None, file=_answers([3, 1, 4, 1])), format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "queued" and body["payload_kind"] == "file"
    assert body["payload_name"] == "answers.json"
    assert body["is_public"] is True and body["is_anonymous"] is False
    assert response["Location"] == f"/api/v1/submissions/{body['id']}/"
    assert len(_stored_files(private_roots / "submissions")) == 1


def test_submission_create_with_a_config_stores_the_parsed_json(clients, phases):
    body = clients["owner"].post(URL, _form(description="d", paper_url="https://example.org/p")).json()
    submission = Submission.objects.get(pk=body["id"])
    assert submission.payload_config == {"guess": 1} and submission.paper_url == "https://example.org/p"


@pytest.mark.parametrize(
    ("form", "fields"),
    [
        (_form(method_name=None), {"method_name"}),
        (_form(config=None), {"file"}),
        (_form(config="{not json"), {"config"}),
        (_form(config="[1, 2]"), {"config"}),
        (_form(paper_url="not a url", code_url="ftp:/x"), {"paper_url", "code_url"}),
        (_form(benchmark=None, phase=None, method_name=None), {"benchmark", "phase", "method_name"}),
        (_form(method_name="x" * 121), {"method_name"}),
    ],
)
def test_submission_create_bad_fields_are_400_with_a_message_per_field(
    clients, phases, private_roots, form, fields
):
    response = clients["owner"].post(URL, form)
    assert response.status_code == 400
    assert set(response.json()) == fields
    assert all(isinstance(messages, list) and messages for messages in response.json().values())
    assert not Submission.objects.exists() and not _stored_files(private_roots / "submissions")


def test_submission_create_anonymous_and_unlisted_flags_are_kept(clients, phases):
    body = clients["owner"].post(URL, _form(is_public="false", is_anonymous="true")).json()
    assert body["is_public"] is False and body["is_anonymous"] is True


def test_submission_create_with_both_file_and_config_is_400(clients, phases):
    response = clients["owner"].post(URL, _form(file=_answers([1, 1, 1, 1])), format="multipart")
    assert response.status_code == 400 and "file" in response.json()


def test_submission_create_wrong_extension_is_400_from_the_service(clients, phases):
    form = _form(config=None, file=_answers([1], name="a.txt"))
    response = clients["owner"].post(URL, form, format="multipart")
    assert response.status_code == 400 and response.json()
    assert not Submission.objects.exists()


@pytest.mark.parametrize(
    ("bench_slug", "phase_slug", "named"), [("nope", "dev", "nope"), ("tiny", "final", "final")]
)
def test_submission_create_unknown_benchmark_or_phase_is_404(clients, phases, bench_slug, phase_slug, named):
    response = clients["owner"].post(URL, _form(benchmark=bench_slug, phase=phase_slug))
    assert response.status_code == 404
    assert named in response.json()["detail"]


def test_submission_create_over_the_phase_limit_is_413_and_stores_nothing(clients, phases, private_roots):
    big = SimpleUploadedFile("answers.json", b'{"answers": [' + b"1, " * 3000 + b"1]}")
    response = clients["owner"].post(URL, _form(config=None, file=big), format="multipart")
    assert response.status_code == 413
    assert response.json()["limit_bytes"] == 4096 and response.json()["size_bytes"] == big.size
    assert not _stored_files(private_roots / "submissions")
    assert not Submission.objects.exists()
    quota = clients["owner"].get("/api/v1/benchmarks/tiny/").json()["phases"][0]["quota"]
    assert quota["daily_used"] == 0


def test_submission_create_over_the_global_ceiling_is_413_before_parsing(
    clients, phases, settings, private_roots
):
    settings.UPLOAD_MAX_BYTES = 1024
    response = clients["owner"].generic(
        "POST",
        URL,
        data=b"x" * 16,
        content_type="multipart/form-data; boundary=zz",
        CONTENT_LENGTH=str(1024 + 2 * 1024 * 1024),
    )
    assert response.status_code == 413 and response.json()["limit_bytes"] == 1024
    assert not _stored_files(private_roots / "submissions")


def test_submission_create_beyond_quota_is_429_with_the_quota(clients, phases):
    assert [clients["owner"].post(URL, _form()).status_code for _ in range(2)] == [201, 201]
    response = clients["owner"].post(URL, _form())
    assert response.status_code == 429
    quota = response.json()["quota"]
    assert (quota["daily_limit"], quota["daily_used"], quota["daily_remaining"]) == (2, 2, 0)
    assert Submission.objects.count() == 2
    assert clients["other"].post(URL, _form()).status_code == 201


def test_submission_create_in_a_closed_phase_is_403(clients, phases):
    response = clients["owner"].post(URL, _form(phase="test"))
    assert response.status_code == 403 and "not open" in response.json()["detail"]


def test_submission_create_while_the_data_builds_is_201_held_with_why(clients, phases):
    from leaderboard.models import Benchmark

    Benchmark.objects.filter(slug="tiny").update(data_status="building", data_stage="10% items")
    response = clients["owner"].post(URL, _form())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "queued" and body["stage"] == "waiting for the benchmark data"
    assert body["waiting"].startswith("waiting for the benchmark data: it is building (10% items)")
    assert body["queue"] is None
    again = clients["owner"].get(f"{URL}{body['id']}/").json()
    assert again["waiting"] == body["waiting"]


def test_submission_create_needs_authentication(clients, phases):
    assert clients["anonymous"].post(URL, _form()).status_code == 401
    assert not Submission.objects.exists()


def test_submission_list_shows_only_own_submissions(clients, entries):
    body = clients["owner"].get(URL).json()
    assert body["count"] == 2
    assert {row["method_name"] for row in body["results"]} == {"OliveNet", "ClosedNet"}
    assert clients["other"].get(URL).json()["count"] == 1


def test_submission_list_filters_by_phase_and_status(clients, entries):
    results = clients["owner"].get(URL, {"phase": "test"}).json()["results"]
    assert [row["method_name"] for row in results] == ["ClosedNet"]
    assert clients["owner"].get(URL, {"status": "failed"}).json()["count"] == 0
    assert clients["owner"].get(URL, {"status": "lost"}).status_code == 400


def test_submission_detail_hides_private_scores_while_the_phase_is_open(clients, entries):
    body = clients["owner"].get(f"{URL}{entries['mine'].pk}/").json()
    assert [score["split"] for score in body["scores"]] == ["public"]
    assert body["scores"][0]["metrics"] == {"accuracy": 0.5, "density": 20.0}
    assert "0.25" not in json.dumps(body)


def test_submission_detail_shows_private_scores_after_close_when_published(clients, entries):
    body = clients["owner"].get(f"{URL}{entries['closed'].pk}/").json()
    assert sorted(score["split"] for score in body["scores"]) == ["private", "public"]


def test_submission_detail_shows_private_scores_to_staff(clients, entries):
    body = clients["staff"].get(f"{URL}{entries['mine'].pk}/").json()
    assert sorted(score["split"] for score in body["scores"]) == ["private", "public"]


def test_submission_validation_failure_lists_every_problem_and_refunds_quota(clients, phases):
    upload = _answers([1, "two", None], name="answers.json")
    created = clients["owner"].post(URL, _form(config=None, file=upload), format="multipart").json()
    services.submission_evaluate(submission_id=created["id"], worker_id="test-worker")
    body = clients["owner"].get(f"{URL}{created['id']}/").json()
    assert body["status"] == "failed" and body["failure_kind"] == "validation"
    for text in ("answers[1]", "answers[2]", "expected 4 answers"):
        assert text in body["error"]
    quota = clients["owner"].get("/api/v1/benchmarks/tiny/").json()["phases"][0]["quota"]
    assert quota["daily_used"] == 0


def test_submission_scored_by_the_worker_shows_its_public_score(clients, phases):
    form = _form(config=None, file=_answers([3, 1, 0, 0]))
    created = clients["owner"].post(URL, form, format="multipart").json()
    services.submission_evaluate(submission_id=created["id"], worker_id="test-worker")
    body = clients["owner"].get(f"{URL}{created['id']}/").json()
    assert body["status"] == "scored" and body["progress"] == 1.0
    (score,) = body["scores"]
    assert score["split"] == "public" and score["metrics"] == {"accuracy": 1.0, "density": None}
    assert score["na_reasons"] == {"density": "not measured for file submissions"}


def test_submission_cancel_by_owner_cancels_a_queued_submission(clients, phases):
    created = clients["owner"].post(URL, _form()).json()
    response = clients["owner"].post(f"{URL}{created['id']}/cancel/")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"


def test_submission_cancel_of_a_finished_submission_is_409(clients, entries):
    response = clients["owner"].post(f"{URL}{entries['mine'].pk}/cancel/")
    assert response.status_code == 409
    assert Submission.objects.get(pk=entries["mine"].pk).status == "scored"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested more than"),
        ('{"a":' * 50_000 + "1" + "}" * 50_000, "nested more than"),
        ('{"k": ' + "9" * 5000 + "}", "integer of 5000 digits; at most 20 allowed (at k)"),
        ('{"x": NaN}', "numbers must be finite (no NaN or Infinity) (at x)"),
    ],
)
def test_submission_create_config_json_bombs_are_400_naming_the_config(clients, phases, config, message):
    response = clients["owner"].post(URL, _form(config=config))
    assert response.status_code == 400, response.content
    assert message in response.json()["config"][0]
    assert Submission.objects.count() == 0


def test_submission_create_config_with_a_utf8_bom_is_accepted(clients, phases):
    response = clients["owner"].post(URL, _form(config='\ufeff{"guess": 2}'))
    assert response.status_code == 201, response.content
    assert Submission.objects.get().payload_config == {"guess": 2}


@pytest.mark.parametrize("offset", ["9" * 23, str(2**63), "9" * 5000])
def test_submission_list_huge_offset_is_400_naming_the_offset(clients, entries, offset):
    response = clients["owner"].get(URL, {"offset": offset})
    assert response.status_code == 400
    assert "offset" in response.json()


def test_submission_create_with_two_file_parts_is_400_and_stores_nothing(clients, phases, private_roots):
    form = _form(config=None, file=[_answers([3, 1, 4, 1]), _answers([1, 1, 1, 1], name="b.json")])
    response = clients["owner"].post(URL, form, format="multipart")
    assert response.status_code == 400
    assert response.json() == {"file": ["2 files were sent; send exactly one"]}
    assert not Submission.objects.exists() and not _stored_files(private_roots / "submissions")


def test_a_second_submission_with_the_same_content_names_the_first_to_its_owner_only(clients, phases):
    first = clients["owner"].post(URL, _form()).json()
    second = clients["owner"].post(URL, _form(method_name="Again", config='{"guess": 1}')).json()
    other = clients["other"].post(URL, _form()).json()
    changed = clients["other"].post(URL, _form(config='{"guess": 2}')).json()
    assert first["duplicate_of"] is None and second["duplicate_of"] == first["id"]
    assert other["duplicate_of"] is None and changed["duplicate_of"] is None
    staff_view = clients["staff"].get(f"{URL}{second['id']}/").json()
    assert staff_view["duplicate_of"] == first["id"]


def _code_phases(benchmark, monkeypatch, tiny_registered):
    """The tiny benchmark redeclared with a code format; only its (closed) test phase declares code."""
    from sb_code_phase import code_spec

    spec = code_spec(tiny_registered.spec, accepting=("test",))
    monkeypatch.setattr(type(tiny_registered), "spec", spec)
    services.benchmark_sync(spec=spec)


def test_a_code_file_to_a_phase_without_code_is_a_400_naming_phase_and_setting(
    clients, phases, private_roots, monkeypatch, tiny_registered, benchmark
):
    from sb_code_phase import CODE

    _code_phases(benchmark, monkeypatch, tiny_registered)
    detail = clients["owner"].get("/api/v1/benchmarks/tiny/").json()
    assert {p["slug"]: p["accepts_code"] for p in detail["phases"]} == {"dev": False, "test": True}
    assert [f["code"] for f in detail["formats"]] == [False, False, True]
    quota = detail["phases"][0]["quota"]
    response = clients["owner"].post(
        URL, _form(config=None, file=SimpleUploadedFile("method.py", CODE)), format="multipart"
    )
    assert response.status_code == 400, response.content
    (message,) = response.json()["file"]
    assert "phase tiny/dev" in message and "accepts_code" in message
    assert not Submission.objects.exists() and _stored_files(private_roots / "submissions") == []
    assert clients["owner"].get("/api/v1/benchmarks/tiny/").json()["phases"][0]["quota"] == quota
