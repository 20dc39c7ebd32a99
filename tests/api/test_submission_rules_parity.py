"""One source for the submission rules: a bad submission gets the same field messages from the service, the
API (which names the service's "upload" field "file") and the portal form, which only parse and pass on."""

from __future__ import annotations

import html
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from leaderboard.apis.errors import API_FIELD_NAMES
from leaderboard.models import Benchmark, Submission
from leaderboard.services import submission_create
from leaderboard.services.errors import SubmissionInputError

pytestmark = pytest.mark.django_db
ANSWERS = json.dumps({"answers": [3, 1, 4, 1]}).encode()


def _file(name: str = "answers.json", body: bytes = ANSWERS) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, body, content_type="application/octet-stream")


#: name -> (text fields, file names and bodies, config texts): each submission breaks one or more rules
CASES = {
    "every-text-field-and-the-extension": (
        {
            "method_name": "m" * 121,
            "description": "d" * 10_001,
            "paper_url": "javascript:alert(1)",
            "code_url": "ftp:/x",
        },
        [("answers.txt", ANSWERS)],
        [],
    ),
    "blank-name-and-no-payload": ({"method_name": "   "}, [], []),
    "two-files": ({}, [("a.json", ANSWERS), ("b.json", ANSWERS)], []),
    "two-configs": ({}, [], ['{"guess": 1}', '{"guess": 2}']),
    "file-and-config": ({}, [("a.json", ANSWERS)], ['{"guess": 1}']),
    "config-not-json": ({"paper_url": "not a url"}, [], ["{not json"]),
    "config-not-an-object": ({}, [], ["[1, 2]"]),
    "empty-file": ({}, [("a.json", b"")], []),
}


@pytest.fixture
def phase(phases):
    """The tiny dev phase, taking a JSON answers file or a JSON config (so both form fields exist)."""
    Benchmark.objects.filter(pk=phases["dev"].benchmark_id).update(
        formats=[
            {"kind": "file", "description": "answers", "extensions": [".json"]},
            {"kind": "config", "description": "config"},
        ]
    )
    phases["dev"].refresh_from_db()
    return phases["dev"]


def _service_errors(phase, owner, fields, files, configs) -> dict[str, list[str]]:
    uploads = [_file(n, b) for n, b in files]
    with pytest.raises(SubmissionInputError) as caught:
        submission_create(
            owner=owner,
            phase=phase,
            method_name=fields.get("method_name", "probe"),
            description=fields.get("description", ""),
            paper_url=fields.get("paper_url", ""),
            code_url=fields.get("code_url", ""),
            upload=uploads[0] if uploads else None,
            config=configs[0] if configs else None,
            upload_parts=len(uploads),
            config_parts=len(configs),
        )
    return caught.value.field_errors


def _api_errors(client, fields, files, configs) -> dict[str, list[str]]:
    form = {"benchmark": "tiny", "phase": "dev", "method_name": "probe", **fields}
    if files:
        form["file"] = [_file(n, b) for n, b in files]
    if configs:
        form["config"] = configs
    response = client.post("/api/v1/submissions/", form, format="multipart")
    assert response.status_code == 400, response.content
    service_names = {api: service for service, api in API_FIELD_NAMES.items()}
    return {service_names.get(name, name): messages for name, messages in response.json().items()}


def _portal_errors(client, fields, files, configs) -> dict[str, list[str]]:
    form = {"method_name": "probe", "description": "", "paper_url": "", "code_url": "", **fields}
    if files:
        form["upload"] = [_file(n, b) for n, b in files]
    if configs:
        form["config"] = configs
    response = client.post("/benchmarks/tiny/submit/?phase=dev", form)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="form-errors"' not in page
    found = {}
    for name, block in re.findall(r'id="field-(\w+)"(.*?)(?=id="field-|</form>)', page, flags=re.S):
        shown = re.findall(r'<div class="error">(.*?)</div>', block, flags=re.S)
        messages = [html.unescape(m) for m in shown]
        if messages:
            found[name] = messages
    return found


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_a_bad_submission_gets_the_same_field_messages_everywhere(case, phase, users, clients, private_roots):
    fields, files, configs = CASES[case]
    portal = Client()
    portal.force_login(users["owner"])
    service = _service_errors(phase, users["owner"], fields, files, configs)
    assert service and all(service.values())
    assert _api_errors(clients["owner"], fields, files, configs) == service
    assert _portal_errors(portal, fields, files, configs) == service
    assert not Submission.objects.exists()
    assert not [p for p in (private_roots / "submissions").rglob("*") if p.is_file()]


def test_the_parity_cases_cover_every_rule(phase, users):
    """Each rule the service owns is broken by at least one case above (names, limits, schemes, payload)."""
    seen = {
        message
        for fields, files, configs in CASES.values()
        for messages in _service_errors(phase, users["owner"], fields, files, configs).values()
        for message in messages
    }
    for expected in (
        "a method name is required",
        "at most 120 characters (this one has 121)",
        "at most 10000 characters (this one has 10001)",
        "not an http(s) URL: javascript:alert(1)",
        "not an http(s) URL: ftp:/x",
        "answers.txt: expected .json",
        "2 files were sent; send exactly one",
        "the configuration was sent 2 times; send exactly one",
        "send either a file or a configuration, not both",
        "send a file or a configuration (JSON), one of the two",
        "a.json: the file is empty",
    ):
        assert expected in seen, expected
