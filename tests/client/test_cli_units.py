"""CLI building blocks without a server: the progress bar, the config file, --config parsing, error text."""

from __future__ import annotations

import io
import json
import stat

import pytest
import requests

from client.cli import main, submission_wait
from client.config import DEFAULT_URL, config_read, config_resolve, config_write
from client.http import config_text, error_from_response
from client.progress import ProgressBar, progress_line
from client.render import submission_text


def test_progress_line_fills_in_proportion_and_clamps():
    assert (
        progress_line(fraction=0.5, stage="scoring", status="running", width=10)
        == "[#####.....]  50% running: scoring"
    )
    assert progress_line(fraction=2.0, stage="", status="scored", width=4) == "[####] 100% scored"
    assert progress_line(fraction=-1, stage="", status="queued", width=4) == "[....]   0% queued"


def test_progress_line_rejects_a_non_positive_width():
    with pytest.raises(ValueError, match="width"):
        progress_line(fraction=0.1, stage="", status="x", width=0)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_redraws_a_stage_in_place_and_keeps_each_stage_line():
    stream = _Terminal()
    bar = ProgressBar(stream=stream, width=4)
    bar.update(fraction=0.25, stage="scoring scene 1", status="running")
    bar.update(fraction=0.5, stage="scoring scene 1", status="running")
    bar.update(fraction=1.0, stage="", status="scored")
    bar.close()
    lines = stream.getvalue().split("\n")
    assert len(lines) == 3 and lines[-1] == ""
    assert lines[0].count("\r") == 2 and lines[0].split("\r")[-1] == "[##..]  50% running: scoring scene 1"
    assert lines[1] == "\r[####] 100% scored"


def test_progress_bar_in_a_log_writes_one_line_per_new_stage():
    stream = io.StringIO()
    bar = ProgressBar(stream=stream, width=4)
    for fraction, stage in ((0.0, ""), (0.2, "scene 1"), (0.3, "scene 1"), (0.6, "scene 2")):
        bar.update(fraction=fraction, stage=stage, status="running")
    bar.close()
    assert "\r" not in stream.getvalue()
    assert stream.getvalue().splitlines() == [
        "[....]   0% running",
        "[#...]  20% running: scene 1",
        "[##..]  60% running: scene 2",
    ]


def test_submission_wait_polls_until_terminal_and_draws_each_state(capsys):
    states = iter(
        [
            {
                "status": "queued",
                "progress": 0.0,
                "stage": "",
                "waiting": "",
                "queue": {
                    "text": "position 2 in the cpu queue (1 running, 1 worker connected); estimated start in"
                    " about 3 min (median run 120 s over the last 4 scored)"
                },
            },
            {
                "status": "queued",
                "progress": 0.0,
                "stage": "",
                "waiting": "",
                "queue": {
                    "text": "position 1 in the cpu queue (1 running, 1 worker connected); a worker is free"
                },
            },
            {"status": "running", "progress": 0.5, "stage": "scoring public"},
            {"status": "scored", "progress": 1.0, "stage": "done"},
        ]
    )

    class Api:
        def submission_get(self, *, submission_id):
            return next(states)

    assert submission_wait(api=Api(), submission_id=7, poll_s=0)["status"] == "scored"
    err = capsys.readouterr().err
    assert " 50% running: scoring public" in err and "100% scored: done" in err
    lines = err.splitlines()
    assert lines[0].endswith(
        "0% queued: position 2 in the cpu queue (1 running, 1 worker connected);"
        " estimated start in about 3 min (median run 120 s over the last 4 scored)"
    )
    assert "0% queued: position 1 in the cpu queue" in lines[1] and len(lines) == 4


def test_wait_stage_says_why_a_queued_submission_waits_and_else_shows_the_servers_stage():
    from client.render import wait_stage

    queued = {
        "status": "queued",
        "stage": "",
        "waiting": "waiting for a GPU worker: none is connected",
        "queue": {"text": "position 1 in the gpu queue (0 running, 0 workers connected)"},
    }
    assert wait_stage(submission=queued) == (
        "waiting for a GPU worker: none is connected;"
        " position 1 in the gpu queue (0 running, 0 workers connected)"
    )
    assert wait_stage(submission={**queued, "waiting": "", "queue": None}) == ""
    assert wait_stage(submission={"status": "running", "stage": "scoring", "queue": None}) == "scoring"


def test_config_file_is_written_owner_only_and_read_back(tmp_path):
    path = tmp_path / "deep" / "config.json"
    config_write(path=path, url="http://h:1", token="abc")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert config_read(path=path) == {"url": "http://h:1", "token": "abc"}


def test_config_resolve_prefers_flag_then_environment_then_file(tmp_path, monkeypatch):
    path = tmp_path / "config.json"
    config_write(path=path, url="http://file:1/", token="file-token")
    monkeypatch.delenv("SPARSEBENCH_URL", raising=False)
    monkeypatch.delenv("SPARSEBENCH_TOKEN", raising=False)
    assert config_resolve(url_flag=None, path=path).url == "http://file:1"
    monkeypatch.setenv("SPARSEBENCH_URL", "http://env:2")
    monkeypatch.setenv("SPARSEBENCH_TOKEN", "env-token")
    assert config_resolve(url_flag=None, path=path) == config_resolve(url_flag="http://env:2", path=path)
    assert config_resolve(url_flag="http://flag:3", path=path).url == "http://flag:3"
    assert config_resolve(url_flag=None, path=path).token == "env-token"
    monkeypatch.delenv("SPARSEBENCH_URL")
    assert config_resolve(url_flag=None, path=tmp_path / "absent.json").url == DEFAULT_URL


def test_config_read_names_a_broken_file(tmp_path):
    path = tmp_path / "config.json"
    path.write_text("[1]")
    with pytest.raises(ValueError, match="config.json"):
        config_read(path=path)


@pytest.mark.parametrize(
    ("flag", "env", "source"),
    [(None, "localhost:8000", "SPARSEBENCH_URL"), ("ftp://host/", None, "--url"), (None, None, "the url in")],
)
def test_config_resolve_names_where_a_malformed_url_came_from(tmp_path, monkeypatch, flag, env, source):
    path = tmp_path / "config.json"
    config_write(path=path, url="127.0.0.1:8000", token="t")
    monkeypatch.delenv("SPARSEBENCH_URL", raising=False)
    if env:
        monkeypatch.setenv("SPARSEBENCH_URL", env)
    with pytest.raises(ValueError, match=f"^{source}.* is not an http\\(s\\) URL"):
        config_resolve(url_flag=flag, path=path)


def test_config_text_accepts_json_text_or_a_json_file(tmp_path):
    assert json.loads(config_text(value='{"a": 1}')) == {"a": 1}
    (tmp_path / "c.json").write_text('{"b": 2}')
    assert json.loads(config_text(value=str(tmp_path / "c.json"))) == {"b": 2}
    with pytest.raises(ValueError, match="not valid JSON"):
        config_text(value="{oops")
    with pytest.raises(ValueError, match="JSON object"):
        config_text(value="[1]")


def _response(status: int, body) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode() if not isinstance(body, bytes) else body
    return response


def test_error_from_response_keeps_every_field_message():
    error = error_from_response(_response(400, {"method_name": ["required"], "config": ["not valid JSON"]}))
    assert error.status == 400
    assert error.describe().splitlines()[1:] == ["  method_name: required", "  config: not valid JSON"]


def test_error_from_response_adds_the_quota_to_the_message():
    quota = {"daily_used": 2, "daily_limit": 2, "total_used": 2, "total_limit": 10}
    error = error_from_response(_response(429, {"detail": "daily quota used up", "quota": quota}))
    assert error.message == "daily quota used up (today 2/2, total 2/10)" and error.field_errors == {}


def test_error_from_response_handles_a_non_json_body():
    assert error_from_response(_response(502, b"Bad Gateway\n<html>")).message == "Bad Gateway"


def test_cli_submit_without_payload_is_a_usage_error(capsys):
    assert main(["submit", "tiny", "dev"]) == 2
    assert "exactly one of FILE or --config" in capsys.readouterr().err


def test_cli_submit_with_a_missing_file_is_a_usage_error(tmp_path, capsys):
    assert main(["submit", "tiny", "dev", str(tmp_path / "nope.json")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_cli_unknown_command_exits_2():
    with pytest.raises(SystemExit) as stop:
        main(["frobnicate"])
    assert stop.value.code == 2


def test_status_text_shows_the_wait_and_the_queue_place():
    queued = {
        "id": 7,
        "method_name": "m",
        "benchmark": "frontier",
        "phase": "test-long",
        "status": "queued",
        "failure_kind": "",
        "progress": 0,
        "stage": "",
        "error": "",
        "scores": [],
        "waiting": "waiting for a GPU worker: none is connected",
        "queue": {"text": "position 2 in the gpu queue (1 running, 0 workers connected)"},
    }
    text = submission_text(submission=queued)
    assert "waiting:  waiting for a GPU worker" in text and "queue:    position 2 in the gpu queue" in text
    assert "queue:" not in submission_text(submission={**queued, "queue": None, "waiting": ""})


def test_leaderboard_text_puts_intervals_in_brackets_and_leaves_detail_columns_out():
    from client.render import leaderboard_text

    metric = {"fmt": "{:.2f}", "unit": "dB"}
    page = {
        "benchmark": "spare", "phase": "dev", "split": "public", "order_by": "psnr", "descending": True,
        "offset": 0, "count": 1,
        "metrics": [{**metric, "name": "psnr", "label": "PSNR"}, {**metric, "name": "psnr_lo", "label": "lo"},
                    {**metric, "name": "psnr_hi", "label": "hi"},
                    {**metric, "name": "psnr_scene1", "label": "PSNR s1", "detail": True}],
        "results": [{"rank": 1, "submission_id": 7, "method_name": "m", "submitter": "ann",
                     "metrics": {"psnr": 24.126, "psnr_lo": 23.9, "psnr_hi": 24.4, "psnr_scene1": 25.0}}],
    }  # fmt: skip
    text = leaderboard_text(page=page)
    header, _, row, footer = text.splitlines()
    assert header.split() == ["rank", "id", "method", "submitter", "PSNR"]
    assert row.endswith("24.13 [23.90, 24.40]")
    assert "1 detail columns left out" in footer
