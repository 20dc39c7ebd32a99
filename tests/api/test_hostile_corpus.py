"""The red team's probes as a generated corpus (tests/support/sb_hostile.py): every hostile request gets a
clean refusal naming what is wrong, and leaves the database and the private files as they were."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient
from sb_hostile import HttpProbe, http_probes

from leaderboard.models import ApiToken, LeaderboardEntry, Score, Submission

DEV_CAP = 4096  # the dev phase's upload cap in the shared fixtures (sb_api_fixtures.phases)
PROBES = http_probes(phase_cap=DEV_CAP)


def test_the_corpus_has_at_least_a_hundred_probes():
    assert len(PROBES) >= 100


def _state(root) -> tuple:
    """What a refused request must not change: rows that a request could add, and every private file."""
    files = sorted((str(p.relative_to(root)), p.stat().st_size) for p in root.rglob("*") if p.is_file())
    counts = tuple(
        m.objects.count() for m in (Submission, Score, LeaderboardEntry, ApiToken, get_user_model())
    )
    return counts, files


def _upload(value):
    """A form value as sent: (name, bytes) pairs become uploaded files, lists of them several parts."""
    if isinstance(value, tuple):
        return SimpleUploadedFile(value[0], value[1])
    if isinstance(value, list):
        return [_upload(v) for v in value]
    return value


def _send(probe: HttpProbe, clients: dict[str, APIClient]):
    """Send the probe as its role would."""
    client = clients[probe.role] if not probe.headers else APIClient()
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in probe.headers.items()}
    if probe.form is not None:
        data = {k: _upload(v) for k, v in probe.form.items()}
        return client.post(probe.path, data, format="multipart", **extra)
    if probe.body is not None:
        return client.generic(
            probe.method, probe.path, data=probe.body, content_type=probe.content_type, **extra
        )
    return client.get(probe.path, **extra)


@pytest.mark.parametrize("probe", PROBES, ids=lambda p: p.name)
def test_a_hostile_request_is_refused_cleanly_and_changes_nothing(
    probe, clients, entries, phases, private_roots
):
    assert phases["dev"].max_upload_bytes == DEV_CAP
    before = _state(private_roots)
    response = _send(probe, clients)
    text = response.content.decode("utf-8", errors="replace")
    assert response.status_code in probe.statuses, f"{response.status_code}: {text[:400]}"
    assert "Traceback" not in text and "<class '" not in text
    if probe.names:
        assert probe.names in text, text[:400]
    assert _state(private_roots) == before
