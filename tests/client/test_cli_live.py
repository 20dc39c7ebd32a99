"""The CLI over real HTTP against a live server: login, benchmarks, submit --wait, status, leaderboard."""

from __future__ import annotations

import csv
import io
import json
import socket
import stat

import pytest

from client.cli import main
from leaderboard import queueing, services
from leaderboard.models import Submission

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def server(live_server, cli_env, monkeypatch):
    """The live server's URL in SPARSEBENCH_URL; queued submissions are scored at once, in-process."""

    def evaluate_now(dispatch):
        services.submission_evaluate(submission_id=dispatch.submission_id, worker_id="cli-test-worker")

    monkeypatch.setattr(queueing, "dispatch_send", evaluate_now)
    monkeypatch.setenv("SPARSEBENCH_URL", live_server.url)
    return live_server.url


@pytest.fixture
def owner_token(users, monkeypatch) -> str:
    """The owner's token in SPARSEBENCH_TOKEN."""
    token = services.token_create(user=users["owner"])
    monkeypatch.setenv("SPARSEBENCH_TOKEN", token)
    return token


def _answers(tmp_path, answers, name="answers.json"):
    path = tmp_path / name
    path.write_text(json.dumps({"answers": answers}))
    return path


def test_cli_login_stores_the_token_owner_only_and_it_works(server, phases, users, cli_env, monkeypatch,
                                                            capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("pw-olive-123\n"))
    assert main(["login", "--username", "olive", "--password-stdin"]) == 0
    stored = json.loads(cli_env.read_text())
    assert stored["url"] == server and len(stored["token"]) == 40
    assert stat.S_IMODE(cli_env.stat().st_mode) == 0o600
    assert "logged in" in capsys.readouterr().out
    assert main(["status", "999999"]) == 1
    assert "HTTP 404" in capsys.readouterr().err


def test_cli_login_with_a_wrong_password_fails_with_the_server_message(server, users, monkeypatch, capsys,
                                                                        cli_env):
    monkeypatch.setattr("sys.stdin", io.StringIO("wrong\n"))
    assert main(["login", "--username", "olive", "--password-stdin"]) == 1
    err = capsys.readouterr().err
    assert "HTTP 400" in err and "unable to log in" in err
    assert not cli_env.exists()


def test_cli_benchmarks_lists_the_tiny_benchmark(server, phases, capsys):
    assert main(["benchmarks"]) == 0
    out = capsys.readouterr().out
    assert "tiny" in out and "dev, test" in out and "accuracy" in out


def test_cli_submit_file_and_wait_reports_the_score(server, phases, owner_token, tmp_path, capsys):
    path = _answers(tmp_path, [3, 1, 4, 1])
    assert main(["submit", "tiny", "dev", str(path), "--wait", "--poll", "0.05"]) == 0
    captured = capsys.readouterr()
    assert "status:   scored" in captured.out
    assert "score [public]:" in captured.out and "accuracy=1.0" in captured.out
    assert "[##############################] 100% scored" in captured.err
    assert "private" not in captured.out


def test_cli_submit_rejected_payload_exits_1_and_lists_every_problem(server, phases, owner_token, tmp_path,
                                                                      capsys):
    path = _answers(tmp_path, ["three"])
    assert main(["submit", "tiny", "dev", str(path), "--method", "Bad", "--wait", "--poll", "0.05"]) == 1
    out = capsys.readouterr().out
    assert "status:   failed (validation)" in out
    assert "answers[0]" in out and "expected 4 answers" in out


def test_cli_submit_config_then_status_shows_it(server, phases, owner_token, capsys):
    assert main(["submit", "tiny", "dev", "--config", '{"guess": 1, "density": 25}', "--method", "Ones"]) == 0
    submission_id = int(capsys.readouterr().out.split()[1])
    assert main(["status", str(submission_id)]) == 0
    out = capsys.readouterr().out
    assert f"submission {submission_id}: Ones on tiny/dev" in out and "accuracy=0.50, density=25.0 %" in out
    assert main(["status", str(submission_id), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "scored"


def test_cli_submit_field_errors_are_printed_per_field(server, phases, owner_token, capsys):
    assert main(["submit", "tiny", "dev", "--config", "{}", "--method", "x" * 200,
                 "--paper-url", "not-a-url"]) == 1
    err = capsys.readouterr().err
    assert "HTTP 400" in err and "  method_name:" in err and "  paper_url:" in err


def test_cli_submit_unknown_benchmark_is_reported(server, phases, owner_token, capsys):
    assert main(["submit", "nope", "dev", "--config", "{}"]) == 1
    assert "HTTP 404" in capsys.readouterr().err


def test_cli_submit_too_large_is_reported_with_the_limit(server, phases, owner_token, tmp_path, capsys):
    assert main(["submit", "tiny", "dev", str(_answers(tmp_path, list(range(2000))))]) == 1
    err = capsys.readouterr().err
    assert "HTTP 413" in err and "4096" in err


def test_cli_submit_beyond_quota_shows_the_quota(server, phases, owner_token, capsys):
    for _ in range(2):
        assert main(["submit", "tiny", "dev", "--config", '{"guess": 3}']) == 0
    assert main(["submit", "tiny", "dev", "--config", '{"guess": 3}']) == 1
    err = capsys.readouterr().err
    assert "HTTP 429" in err and "today 2/2" in err


def test_cli_submit_without_a_token_exits_4(server, phases, capsys):
    assert main(["submit", "tiny", "dev", "--config", "{}"]) == 4
    assert "sparsebench login" in capsys.readouterr().err


def test_cli_status_of_someone_elses_unlisted_submission_is_not_found(
    server, entries, users, monkeypatch, capsys
):
    Submission.objects.filter(pk=entries["mine"].pk).update(is_public=False)
    monkeypatch.setenv("SPARSEBENCH_TOKEN", services.token_create(user=users["other"]))
    assert main(["status", str(entries["mine"].pk)]) == 1
    assert "HTTP 404" in capsys.readouterr().err


def test_cli_status_without_a_token_shows_baselines_and_public_entries_only(server, entries, capsys):
    assert main(["status", str(entries["baseline"].pk)]) == 0
    assert "Constant on tiny/dev" in capsys.readouterr().out
    assert main(["status", str(entries["mine"].pk)]) == 0  # a public leaderboard entry
    Submission.objects.filter(pk=entries["mine"].pk).update(is_public=False)
    assert main(["status", str(entries["mine"].pk)]) == 1
    assert "only baselines and public leaderboard entries are visible" in capsys.readouterr().err


def test_cli_leaderboard_prints_the_ranked_table(server, entries, capsys):
    assert main(["leaderboard", "tiny", "--phase", "dev"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:4] == ["rank", "id", "method", "submitter"]
    assert lines[2].split()[:3] == ["1", str(entries["theirs"].pk), "OscarNet"]
    assert "Constant (baseline)" in lines[4]
    assert lines[-1].endswith("rows 1-3 of 3")


def test_cli_leaderboard_csv_is_the_server_export(server, entries, capsys):
    assert main(["leaderboard", "tiny", "--phase", "dev", "--csv", "--order-by", "density"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0][:3] == ["rank", "submission_id", "method_name"]
    assert [row[2] for row in rows[1:]] == ["OliveNet", "OscarNet", "Constant"]


def test_cli_leaderboard_private_split_refused_while_open(server, entries, capsys):
    assert main(["leaderboard", "tiny", "--phase", "dev", "--split", "private"]) == 1
    assert "HTTP 403" in capsys.readouterr().err


def test_cli_leaderboard_unknown_phase_exits_1(server, entries, capsys):
    assert main(["leaderboard", "tiny", "--phase", "final"]) == 1
    assert "no phase 'final'" in capsys.readouterr().err


def test_cli_unreachable_server_exits_3(cli_env, capsys):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert main(["--url", f"http://127.0.0.1:{port}", "benchmarks"]) == 3
    err = capsys.readouterr().err.strip()
    assert err == f"error: cannot reach http://127.0.0.1:{port}: Connection refused"


def test_cli_leaderboard_csv_errors_keep_the_servers_message(server, entries, capsys):
    assert main(["leaderboard", "tiny", "--phase", "no-such-phase", "--csv"]) == 1
    err = capsys.readouterr().err
    assert "HTTP 404" in err and "no-such-phase" in err
    assert main(["leaderboard", "tiny", "--phase", "dev", "--csv", "--order-by", "no_metric"]) == 1
    err = capsys.readouterr().err
    assert "HTTP 400" in err and "no_metric" in err


def test_cli_a_refused_token_says_to_log_in_again(server, phases, monkeypatch, capsys):
    monkeypatch.setenv("SPARSEBENCH_TOKEN", "not-a-real-token")
    assert main(["submit", "tiny", "dev", "--config", "{}"]) == 1
    err = capsys.readouterr().err
    assert "HTTP 401" in err and "sparsebench login" in err


def test_cli_submit_code_to_a_phase_without_code_names_phase_and_setting(
    server, phases, owner_token, tmp_path, capsys, tiny_registered
):
    from sb_code_phase import CODE, code_spec

    services.benchmark_sync(spec=code_spec(tiny_registered.spec, accepting=("test",)))
    method = tmp_path / "method.py"
    method.write_bytes(CODE)
    assert main(["submit", "tiny", "dev", str(method), "--method", "Mine"]) == 1
    err = capsys.readouterr().err
    assert "HTTP 400" in err and "phase tiny/dev" in err and "accepts_code" in err
    assert not Submission.objects.exists()


def test_cli_submit_refused_at_upload_prints_every_problem_and_nothing_is_kept(
    server, phases, owner_token, tmp_path, capsys
):
    path = tmp_path / "my answers.json"
    path.write_text('{"answers": 3}')
    assert main(["submit", "tiny", "dev", str(path), "--wait"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "error (HTTP 400): 1 problem in my answers.json found at upload; nothing was stored or queued and no"
        " quota was used",
        "  file: my answers.json: expected an object with an answers list",
    ]
    assert not Submission.objects.exists()


def _queued_only(monkeypatch) -> list:
    """Dispatches recorded, not evaluated: submissions stay queued until a test moves them on."""
    sent: list = []
    monkeypatch.setattr(queueing, "dispatch_send", sent.append)
    return sent


def test_cli_wait_shows_each_stage_as_it_happens_from_the_queue_place_on(
    server, phases, owner_token, tmp_path, capsys, monkeypatch
):
    from leaderboard.services.leases import submission_claim, submission_heartbeat

    sent = _queued_only(monkeypatch)
    services.worker_heartbeat_touch(worker_id="w1", queues="cpu")

    def claimed(sid):
        assert submission_claim(submission_id=sid, worker_id="w1")
        submission_heartbeat(submission_id=sid, worker_id="w1", progress=0.0, stage="validating")

    def halfway(sid):
        submission_heartbeat(submission_id=sid, worker_id="w1", progress=0.5, stage="scoring public")

    def finished(sid):  # the worker's real run, from the start
        Submission.objects.filter(pk=sid).update(status=Submission.Status.QUEUED, lease_expires_at=None)
        services.submission_evaluate(submission_id=sid, worker_id="w1")

    steps = [claimed, halfway, finished]
    monkeypatch.setattr("client.cli.time.sleep", lambda seconds: steps.pop(0)(sent[0].submission_id))
    assert main(["submit", "tiny", "dev", str(_answers(tmp_path, [3, 1, 4, 1])), "--wait"]) == 0
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == (
        "[..............................]   0% queued: position 1 in the cpu queue (0 running, 1 worker"
        " connected); no start estimate: no run has been timed yet"
    )
    assert lines[1].endswith("  0% running: validating") and lines[2].endswith(" 50% running: scoring public")
    assert lines[3].startswith("[##############################] 100% scored") and len(lines) == 4


def test_cli_status_of_a_queued_submission_shows_its_place_and_start_estimate(
    server, phases, users, owner_token, capsys, monkeypatch
):
    import datetime as dt

    from django.utils import timezone

    _queued_only(monkeypatch)
    dev = phases["dev"]
    other = users["other"]
    done = services.submission_create(owner=other, phase=dev, method_name="done", config={"guess": 1})
    end = timezone.now() - dt.timedelta(minutes=5)
    Submission.objects.filter(pk=done.pk).update(
        status=Submission.Status.SCORED, started_at=end - dt.timedelta(seconds=240), finished_at=end
    )
    services.submission_create(owner=other, phase=dev, method_name="ahead", config={"guess": 2})
    services.worker_heartbeat_touch(worker_id="w1", queues="cpu")
    assert main(["submit", "tiny", "dev", "--config", '{"guess": 3}', "--method", "Mine"]) == 0
    submission_id = int(capsys.readouterr().out.split()[1])
    assert main(["status", str(submission_id)]) == 0
    out = capsys.readouterr().out
    assert "status:   queued" in out
    assert (
        "queue:    position 2 in the cpu queue (0 running, 1 worker connected);"
        " estimated start in about 4 min (median run 240 s over the last 1 scored)"
    ) in out
    assert "status:   queued" in out
    assert (
        "queue:    position 2 in the cpu queue (0 running, 1 worker connected);"
        " estimated start in about 4 min (median run 240 s over the last 1 scored)"
    ) in out


def test_cli_submit_code_where_bubblewrap_is_missing_prints_why(
    server, phases, owner_token, tmp_path, capsys, tiny_registered, monkeypatch
):
    from sb_code_phase import CODE, code_spec
    from sb_sandbox import sandbox_unavailable

    spec = code_spec(tiny_registered.spec, accepting=("dev",))
    monkeypatch.setattr(type(tiny_registered), "spec", spec)
    services.benchmark_sync(spec=spec)
    method = tmp_path / "method.py"
    method.write_bytes(CODE)
    (tmp_path / "bin").mkdir()
    with sandbox_unavailable("missing", tmp_path / "bin") as reason:
        assert main(["submit", "tiny", "dev", str(method), "--method", "Mine"]) == 1
    err = capsys.readouterr().err
    assert "HTTP 400" in err and "this deployment refuses code submissions" in err and reason in err
    assert not Submission.objects.exists()
