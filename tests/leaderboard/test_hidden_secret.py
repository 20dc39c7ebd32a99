"""The deployment secret: created once with mode 0600, required where hidden data exists, never mixed."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import stat

import pytest
from sb_toy import TINYBENCH, TINYBENCH_ENTRY

from evaluator import registry
from evaluator.hidden import secret_id
from leaderboard.env import ConfigError, env_hex_secret
from leaderboard.models import Benchmark
from leaderboard.services import benchmark_data_build, benchmark_data_dir, benchmark_sync_all
from leaderboard.services.hidden_secret import HiddenSecretError, hidden_secret_file

OTHER = bytes(range(100, 132))


@contextlib.contextmanager
def tiny_registered():
    """The tiny benchmark in the registry for the block (synced by the caller), removed after."""
    with registry.registry_override(TINYBENCH_ENTRY):
        yield TINYBENCH.spec.slug


def test_first_build_creates_a_private_secret_file_and_records_its_id(tiny):
    path = hidden_secret_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    secret = bytes.fromhex(path.read_text())
    assert len(secret) == 32
    record = json.loads((benchmark_data_dir(benchmark=tiny) / "build.json").read_text())
    assert record == {"origin": "generated:0", "public_seed": 0, "secret_id": secret_id(secret=secret)}
    assert tiny.data_id.startswith(f"{tiny.version}+")


def test_the_secret_from_the_environment_is_used_and_no_file_is_written(db, settings):
    settings.HIDDEN_SECRET = OTHER
    with tiny_registered() as slug:
        benchmark_sync_all()
        row = benchmark_data_build(slug=slug)
    assert not hidden_secret_file().exists()
    record = json.loads((benchmark_data_dir(benchmark=row) / "build.json").read_text())
    assert record["secret_id"] == secret_id(secret=OTHER)


def test_sync_and_build_refuse_when_hidden_data_exists_but_the_secret_is_gone(tiny):
    hidden_secret_file().unlink()
    answers = benchmark_data_dir(benchmark=tiny) / "hidden" / "answers.json"
    before = answers.read_bytes()
    for action in (benchmark_sync_all, lambda: benchmark_data_build(slug=tiny.slug, force=True)):
        with pytest.raises(HiddenSecretError, match="SPARSEBENCH_HIDDEN_SECRET") as caught:
            action()
        assert str(hidden_secret_file()) in str(caught.value) and "different hidden data" in str(caught.value)
    assert not hidden_secret_file().exists() and answers.read_bytes() == before


def test_sync_and_build_refuse_data_built_with_another_secret(tiny, settings):
    settings.HIDDEN_SECRET = OTHER
    built_with = json.loads((benchmark_data_dir(benchmark=tiny) / "build.json").read_text())["secret_id"]
    for action in (benchmark_sync_all, lambda: benchmark_data_build(slug=tiny.slug, force=True)):
        with pytest.raises(HiddenSecretError, match=built_with) as caught:
            action()
        assert secret_id(secret=OTHER) in str(caught.value)


def test_a_malformed_secret_file_is_named(tiny):
    hidden_secret_file().write_text("not hex at all")
    with pytest.raises(HiddenSecretError, match=str(hidden_secret_file())):
        benchmark_sync_all()


@pytest.mark.parametrize(
    ("raw", "message"), [("zz", "not hexadecimal"), ("ab" * 16, "16 bytes; at least 32")]
)
def test_env_hex_secret_names_the_variable_and_the_problem(monkeypatch, raw, message):
    monkeypatch.setenv("SPARSEBENCH_HIDDEN_SECRET", raw)
    with pytest.raises(ConfigError, match=f"SPARSEBENCH_HIDDEN_SECRET.*{message}"):
        env_hex_secret("SPARSEBENCH_HIDDEN_SECRET", min_bytes=32)


def test_env_hex_secret_reads_hex_and_is_none_when_unset(monkeypatch):
    monkeypatch.delenv("SPARSEBENCH_HIDDEN_SECRET", raising=False)
    assert env_hex_secret("SPARSEBENCH_HIDDEN_SECRET", min_bytes=32) is None
    monkeypatch.setenv("SPARSEBENCH_HIDDEN_SECRET", OTHER.hex())
    assert env_hex_secret("SPARSEBENCH_HIDDEN_SECRET", min_bytes=32) == OTHER


def test_the_secret_never_reaches_a_log_line(db, settings, caplog):
    caplog.set_level("DEBUG")
    with tiny_registered() as slug:
        benchmark_sync_all()
        benchmark_data_build(slug=slug)
        benchmark_data_build(slug=slug, force=True)
    secret = bytes.fromhex(hidden_secret_file().read_text())
    assert secret.hex() not in caplog.text and secret.hex().upper() not in caplog.text
    row = Benchmark.objects.get(slug=slug)
    assert secret.hex() not in json.dumps([row.data_origin, row.data_id, row.data_error])


def test_a_new_spec_version_takes_the_data_out_of_service_until_rebuilt(tiny, monkeypatch):
    monkeypatch.setattr(TINYBENCH, "spec", dataclasses.replace(TINYBENCH.spec, version="2"))
    registry.benchmark_get.cache_clear()
    benchmark_sync_all()
    tiny.refresh_from_db()
    assert (tiny.version, tiny.data_status, tiny.data_id) == ("2", "missing", "")
    rebuilt = benchmark_data_build(slug=tiny.slug)
    assert rebuilt.data_status == "ready" and rebuilt.data_id.startswith("2+")


def test_no_page_api_answer_or_bundle_contains_the_secret(scored_for_crawl, client, staff):
    secret = bytes.fromhex(hidden_secret_file().read_text())
    needles = [secret.hex().encode(), secret.hex().upper().encode(), secret]
    slug, submission = scored_for_crawl
    urls = [
        "/",
        f"/benchmarks/{slug}/",
        f"/submissions/{submission.pk}/",
        "/api/v1/benchmarks/",
        f"/api/v1/benchmarks/{slug}/",
        f"/api/v1/benchmarks/{slug}/leaderboard/?phase=dev",
        f"/api/v1/benchmarks/{slug}/leaderboard/?phase=dev&format=csv",
        f"/api/v1/benchmarks/{slug}/data/?phase=dev",
        f"/api/v1/submissions/{submission.pk}/",
        "/api/v1/schema/",
        "/healthz",
    ]
    client.force_login(staff)
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 503), (url, response.status_code)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert not any(n in body for n in needles), url


@pytest.fixture
def scored_for_crawl(make_submission):
    """A scored submission of the tiny benchmark, built (and its secret created) through the services."""
    from leaderboard.services import submission_evaluate

    submission = make_submission(answers=[(3 * i) % 10 for i in range(8)])
    submission_evaluate(submission_id=submission.pk, worker_id="w1")
    return submission.phase.benchmark.slug, submission


def test_data_from_before_secrets_does_not_block_creating_one(db, settings):
    with tiny_registered() as slug:
        legacy = settings.DATA_ROOT / slug / "0" / "hidden"
        legacy.mkdir(parents=True)
        (legacy / "answers.json").write_text("[0]")
        benchmark_sync_all()
        row = benchmark_data_build(slug=slug)
    assert hidden_secret_file().is_file() and row.data_status == "ready"
