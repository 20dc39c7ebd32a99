"""A generated corpus of hostile requests against a running site (the red team's probes, repeatable).

Each probe is one HTTP request with the statuses a clean refusal may have and, where the refusal must
name something (a field, a parameter), the text its body must contain. ``http_probes()`` builds the
corpus from families of generators, so a new hostile value joins every route it applies to.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

API = "/api/v1"
SUBMIT_URL = f"{API}/submissions/"
TOKEN_URL = f"{API}/auth/token/"
BOARD_URL = f"{API}/benchmarks/tiny/leaderboard/"
PAGE_URL = "/benchmarks/tiny/"
BAD_REQUEST = frozenset({400})


@dataclass(frozen=True)
class HttpProbe:
    """One hostile request, the statuses that count as a clean refusal, and the text the body must name."""

    name: str
    method: str
    path: str
    role: str = "anonymous"  # anonymous, owner (API token), portal (signed-in session)
    form: dict | None = None  # multipart form fields (bytes values become files)
    body: bytes | None = None  # a raw body, sent with content_type
    content_type: str = "application/json"
    headers: dict = field(default_factory=dict)
    statuses: frozenset[int] = BAD_REQUEST
    names: str = ""


#: JSON texts that are hostile as a method config: bombs, huge numbers, non-finite values, wrong shapes
CONFIG_TEXTS = {
    "nested-arrays-100k": "[" * 100_000 + "]" * 100_000,
    "nested-objects-50k": '{"a":' * 50_000 + "1" + "}" * 50_000,
    "integer-5000-digits": '{"guess": ' + "9" * 5000 + "}",
    "bare-integer-5000-digits": "1" * 5000,
    "nan": '{"guess": NaN}',
    "infinity": '{"guess": Infinity}',
    "minus-infinity": '{"guess": -Infinity}',
    "float-overflow": '{"guess": 1e999}',
    "lone-surrogate": '{"guess": "\\ud800"}',
    "not-an-object": "[1, 2, 3]",
    "a-string": '"guess"',
    "null": "null",
    "truncated": '{"guess": 1',
    "trailing-garbage": '{"guess": 1} trailing',
    "duplicate-keys-deep": '{"a": {"b": ' * 300 + "1" + "}}" * 300,
    "control-characters": '{"guess": "\x00\x01\x02"}',
    "escaped-nul": '{"guess": "a\\u0000b"}',
    "escaped-nul-key": '{"\\u0000": 1}',
    "surrogate-key": '{"\\udfff": 1}',
    "empty": "",
    "whitespace-only": " \n\t ",
    "bom-then-garbage": "\ufeff{not json",
    "single-quotes": "{'guess': 1}",
}

#: values for the free-text and choice fields of the submission form that must be refused by name
FIELD_VALUES = {
    "method_name": {"too-long": "m" * 121, "empty": "", "nul": "a\x00b", "blank": "   "},
    "paper_url": {
        "javascript": "javascript:alert(1)",
        "not-a-url": "not a url",
        "long": "https://x.org/" + "a" * 300,
    },
    "code_url": {"data-url": "data:text/html,<script>alert(1)</script>", "ftp-typo": "ftp:/x"},
    "description": {"too-long": "d" * 10_001, "nul": "x\x00y"},
    "is_public": {"not-a-boolean": "maybe"},
    "is_anonymous": {"not-a-boolean": "perhaps"},
}

#: leaderboard query parameters that must be refused with the parameter named
BOARD_QUERIES = {
    "page-30-digits": ("offset", "offset=" + "9" * 30),
    "offset-negative": ("offset", "offset=-5"),
    "offset-huge": ("offset", "offset=10000000000"),
    "offset-text": ("offset", "offset=abc"),
    "limit-zero": ("limit", "limit=0"),
    "limit-huge": ("limit", "limit=1000000000"),
    "limit-text": ("limit", "limit=ten"),
    "order-by-sql": ("order_by", "order_by=accuracy%3B%20DROP%20TABLE%20leaderboard_submission%3B--"),
    "order-by-unknown": ("order_by", "order_by=__class__"),
    "order-by-long": ("order_by", "order_by=" + "a" * 100),
    "split-unknown": ("split", "split=hidden"),
    "phase-traversal": ("phase", "phase=../../hidden"),
    "descending-text": ("descending", "descending=sideways"),
}

#: page query strings of the HTML leaderboard: past the last possible page a 400, other garbage page 1
PAGE_QUERIES = {
    "page-30-digits": "page=" + "9" * 30,
    "page-past-offset-ceiling": "page=100000000",
    "page-negative": "page=-1",
    "page-zero": "page=0",
    "page-text": "page=abc",
    "page-float": "page=1.5",
    "page-nul": "page=%00",
}

#: Authorization headers that must be refused as unauthenticated (401), never crash the token lookup
AUTH_HEADERS = {
    "token-10k-chars": "Token " + "a" * 10_000,
    "token-empty": "Token",
    "token-two-words": "Token a b",
    "token-nul": "Token abc\x00def",
    "token-non-ascii": "Token \u00e9\u00e9\u00e9",
    "token-sql": "Token ' OR '1'='1",
    "bearer-scheme": "Bearer abcdef",
    "basic-garbage": "Basic !!!not-base64!!!",
}

#: paths of objects that do not exist or may not be reached: 404 (or 400), never a server error
MISSING_PATHS = {
    "submission-20-digit-id": f"{API}/submissions/99999999999999999999/",
    "submission-zero": f"{API}/submissions/0/",
    "benchmark-unknown": f"{API}/benchmarks/no-such-benchmark/",
    "benchmark-dotdot": f"{API}/benchmarks/%2e%2e/",
    "data-traversal": f"{API}/benchmarks/tiny/data/?phase=..%2F..%2Fhidden",
    "data-unknown-phase": f"{API}/benchmarks/tiny/data/?phase=nope",
    "page-submission-20-digits": "/submissions/99999999999999999999/",
    "page-benchmark-unknown": "/benchmarks/no-such-benchmark/",
    "page-unknown-phase": "/benchmarks/tiny/?phase=..%2Fhidden",
}


def _form(**overrides) -> dict:
    """A valid API submission form for the tiny benchmark, with overrides (None drops a field)."""
    form = {"benchmark": "tiny", "phase": "dev", "method_name": "probe", "config": '{"guess": 1}'}
    form.update(overrides)
    return {key: value for key, value in form.items() if value is not None}


def _config_probes() -> list[HttpProbe]:
    """Every hostile config text as the API form's config field and as the portal form's."""
    probes = []
    for name, text in CONFIG_TEXTS.items():
        probes.append(_post(f"api-config-{name}", _form(config=text), names="config"))
    return probes


def _raw_body_probes() -> list[HttpProbe]:
    """Bodies the API's parsers must refuse: bombs and broken encodings as JSON bodies of the token
    exchange (a JSON endpoint), and JSON or broken multipart sent to the multipart-only submissions."""
    probes = []
    for name in (
        "nested-arrays-100k",
        "nested-objects-50k",
        "integer-5000-digits",
        "nan",
        "truncated",
        "escaped-nul",
    ):
        body = b'{"username": "olive", "password": ' + CONFIG_TEXTS[name].encode() + b"}"
        probes.append(HttpProbe(f"token-json-body-{name}", "POST", TOKEN_URL, body=body))
    for name, body in {
        "invalid-utf8": b'{"username": "\xff\xfe"}',
        "bom-garbage": b"\xef\xbb\xbf{nope",
    }.items():
        probes.append(HttpProbe(f"token-json-body-{name}", "POST", TOKEN_URL, body=body))
    multipart = "multipart/form-data"
    probes += [
        HttpProbe(
            "api-submit-as-json", "POST", SUBMIT_URL, role="owner", body=b"{}", statuses=frozenset({415})
        ),
        HttpProbe(
            "api-body-xml",
            "POST",
            SUBMIT_URL,
            role="owner",
            body=b"<a/>",
            content_type="application/xml",
            statuses=frozenset({415}),
        ),
        HttpProbe(
            "api-multipart-no-boundary",
            "POST",
            SUBMIT_URL,
            role="owner",
            body=b"--x\r\n\r\n",
            content_type=multipart,
        ),
        HttpProbe(
            "api-multipart-broken",
            "POST",
            SUBMIT_URL,
            role="owner",
            body=b"--b\r\nContent-Disposition: x",
            content_type=f"{multipart}; boundary=b",
        ),
    ]
    return probes


def _field_probes() -> list[HttpProbe]:
    """Each hostile field value in the API form; the refusal names the field."""
    probes = []
    for field_name, values in FIELD_VALUES.items():
        for name, value in values.items():
            probes.append(
                _post(f"api-field-{field_name}-{name}", _form(**{field_name: value}), names=field_name)
            )
    return probes


def _unknown_target_probes() -> list[HttpProbe]:
    """A benchmark or phase that does not exist (or is no slug at all): 404 naming it."""
    targets = {
        "benchmark": {"unknown": "no-such-benchmark", "traversal": "../../etc", "spaces": "tiny bench"},
        "phase": {"unknown": "no-such-phase", "traversal": "../hidden", "sql": "dev' OR '1'='1"},
    }
    return [
        _post(f"api-{field_name}-{name}", _form(**{field_name: value}), 404, f"no {field_name}")
        for field_name, values in targets.items()
        for name, value in values.items()
    ]


def _post(name: str, form: dict, status: int = 400, names: str = "") -> HttpProbe:
    """A submission form posted by the owner through the API."""
    return HttpProbe(
        name, "POST", SUBMIT_URL, role="owner", form=form, statuses=frozenset({status}), names=names
    )


def _file_probes(phase_cap: int) -> list[HttpProbe]:
    """Uploads that must be refused: empty, wrong type, over the cap, with a config, twice, no content."""
    answers = json.dumps({"answers": [3, 1, 4, 1]}).encode()

    def upload(*files) -> dict:
        return _form(config=None, file=list(files) if len(files) > 1 else files[0])

    return [
        _post("file-empty", upload(("a.json", b"")), names="file"),
        _post("file-exe", upload(("a.exe", b"MZ")), names="file"),
        _post("file-no-extension", upload(("answers", answers)), names="file"),
        _post("file-double-extension", upload(("a.json.exe", answers)), names="file"),
        _post("file-over-phase-cap", upload(("a.json", b" " * (phase_cap + 1))), status=413),
        _post("file-and-config", _form(file=("a.json", answers)), names="file"),
        _post("file-twice", upload(("a.json", answers), ("b.json", answers)), names="file"),
        _post("no-file-no-config", _form(config=None), names="file"),
    ]


def _query_probes() -> list[HttpProbe]:
    """Hostile leaderboard queries (API JSON and CSV, and the HTML page)."""
    probes = []
    for name, (param, query) in BOARD_QUERIES.items():
        probes.append(HttpProbe(f"board-{name}", "GET", f"{BOARD_URL}?{query}", names=param))
        probes.append(HttpProbe(f"board-csv-{name}", "GET", f"{BOARD_URL}?format=csv&{query}", names=param))
    for name, query in PAGE_QUERIES.items():
        refused = name in {"page-30-digits", "page-past-offset-ceiling"}
        statuses = BAD_REQUEST if refused else frozenset({200})
        probes.append(
            HttpProbe(f"page-{name}", "GET", f"{PAGE_URL}?{query}", statuses=statuses, names="page")
        )
    return probes


def _auth_probes() -> list[HttpProbe]:
    """Hostile credentials: token headers on a read and a write, and the token exchange."""
    probes = []
    for name, header in AUTH_HEADERS.items():
        for method, path in (("GET", f"{API}/submissions/"), ("POST", SUBMIT_URL)):
            probes.append(
                HttpProbe(
                    f"auth-{name}-{method.lower()}",
                    method,
                    path,
                    form=_form() if method == "POST" else None,
                    headers={"Authorization": header},
                    statuses=frozenset({401}),
                )
            )
    for name, fields in {
        "username-10k": {"username": "u" * 10_000, "password": "x"},
        "password-huge": {"username": "olive", "password": "p" * 5000},
        "missing-password": {"username": "olive"},
    }.items():
        probes.append(HttpProbe(f"token-exchange-{name}", "POST", TOKEN_URL, form=fields))
    return probes


def _missing_probes() -> list[HttpProbe]:
    """Objects that do not exist or sit outside the public tree, read and (a cancel) written."""
    refused = frozenset({400, 404})
    probes = [
        HttpProbe(f"missing-{name}", "GET", path, role="owner", statuses=refused)
        for name, path in MISSING_PATHS.items()
    ]
    cancel = f"{API}/submissions/99999999999999999999/cancel/"
    return [
        *probes,
        HttpProbe("missing-cancel-20-digit-id", "POST", cancel, role="owner", form={}, statuses=refused),
    ]


def http_probes(*, phase_cap: int) -> list[HttpProbe]:
    """The whole HTTP corpus; ``phase_cap`` is the dev phase's upload limit in bytes."""
    probes = (
        _config_probes() + _raw_body_probes() + _field_probes() + _unknown_target_probes()
        + _file_probes(phase_cap) + _query_probes()
        + _auth_probes() + _missing_probes()
    )  # fmt: skip
    names = [p.name for p in probes]
    assert len(names) == len(set(names)), "probe names must be unique"
    return probes
