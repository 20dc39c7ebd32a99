"""A malformed environment variable stops the service with one line naming it, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from leaderboard.env import ConfigError
from leaderboard.runner import main, runner_address

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("value", "message"),
    [("abc", "SPARSEBENCH_PORT='abc' is not an integer"), ("0", "below the minimum 1"), ("70000", "65535")],
)
def test_runner_address_names_a_malformed_port(monkeypatch, value, message):
    monkeypatch.setenv("SPARSEBENCH_PORT", value)
    with pytest.raises(ConfigError, match=message):
        runner_address()


def test_runner_main_prints_one_line_and_exits_2_on_a_bad_port(monkeypatch, capsys):
    monkeypatch.setenv("SPARSEBENCH_PORT", "abc")
    assert main() == 2
    err = capsys.readouterr().err
    assert err.strip() == "configuration error: SPARSEBENCH_PORT='abc' is not an integer"


def test_runner_address_defaults_and_reads_the_host(monkeypatch):
    monkeypatch.delenv("SPARSEBENCH_PORT", raising=False)
    monkeypatch.setenv("SPARSEBENCH_HOST", "0.0.0.0")
    assert runner_address() == ("0.0.0.0", 8000)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SPARSEBENCH_LEASE_SECONDS", "soon", "SPARSEBENCH_LEASE_SECONDS='soon' is not an integer"),
        ("SPARSEBENCH_DEVICE", "tpu", "SPARSEBENCH_DEVICE='tpu' is not one of auto, cpu, cuda"),
    ],
)
def test_manage_py_reports_a_malformed_setting_in_one_line(name, value, message):
    env = {**os.environ, name: value}
    command = [sys.executable, str(ROOT / "manage.py"), "check"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip() == f"configuration error: {message}"


def test_runner_reports_a_malformed_setting_in_one_line_before_starting_anything(tmp_path):
    env = {**os.environ, "SPARSEBENCH_VAR_DIR": str(tmp_path), "SPARSEBENCH_LOG_LEVEL": "loud"}
    command = [sys.executable, "-m", "leaderboard.runner"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    levels = "DEBUG, INFO, WARNING, ERROR, CRITICAL"
    line = f"configuration error: SPARSEBENCH_LOG_LEVEL='LOUD' is not one of {levels}"
    assert result.stderr.strip() == line
    assert not (tmp_path / "db.sqlite3").exists()  # nothing migrated
