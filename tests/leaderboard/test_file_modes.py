"""Files the service writes (var dir, database, secret key, hidden data, submissions) are readable by its
own user only: every entry point sets umask 077 at start, and the secret key is created with mode 0600."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from leaderboard import runner
from leaderboard.env import secret_key
from leaderboard.filemodes import PRIVATE_UMASK, private_umask_set
from leaderboard.services import submission_create

ROOT = Path(__file__).resolve().parents[2]


def shared_with_others(root: Path) -> list[str]:
    """Every file or folder under `root` (itself included) that the group or others may read or enter."""
    paths = [root, *root.rglob("*")]
    return [f"{p} {stat.filemode(p.stat().st_mode)}" for p in paths if p.stat().st_mode & 0o077]


@pytest.fixture
def private_umask():
    """This process's umask as the service's entry points set it, restored afterwards."""
    previous = private_umask_set()
    yield
    os.umask(previous)


def _service_env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPARSEBENCH_", "DJANGO_", "DATABASE_"))}
    env.update(SPARSEBENCH_VAR_DIR=str(var_dir), CELERY_BROKER_URL="memory://")
    return env


def _umask_after_import(module: str, var_dir: Path) -> int:
    """The umask a fresh interpreter has after importing `module`, started with the usual 022."""
    code = f"import os; os.umask(0o022); import {module}; print(os.umask(0o022))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_service_env(var_dir),
                          capture_output=True, text=True, timeout=300, check=True)  # fmt: skip
    return int(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("module", ["leaderboard.wsgi", "workers.celery"])
def test_the_web_and_worker_entry_points_set_the_private_umask(tmp_path, module):
    assert _umask_after_import(module, tmp_path / "var") == PRIVATE_UMASK


def test_the_runner_sets_the_private_umask_before_starting_anything(monkeypatch):
    seen = []
    monkeypatch.setattr(runner, "stack_run", lambda **kw: seen.append(os.umask(0o077)) or 0)
    previous = os.umask(0o022)
    try:
        assert runner.main() == 0
    finally:
        os.umask(previous)
    assert seen == [PRIVATE_UMASK]


def test_manage_py_creates_a_private_var_dir_database_and_secret_key(tmp_path):
    var_dir = tmp_path / "var"
    subprocess.run(
        ["bash", "-c", f"umask 022 && exec {sys.executable} manage.py migrate --noinput --verbosity 0"],
        cwd=ROOT, env=_service_env(var_dir), check=True, timeout=600,
    )  # fmt: skip
    assert (var_dir / "db.sqlite3").is_file() and (var_dir / "secret_key").is_file()
    assert stat.S_IMODE((var_dir / "secret_key").stat().st_mode) == 0o600
    assert shared_with_others(var_dir) == []


def test_the_secret_key_file_is_created_with_mode_0600_even_under_a_permissive_umask(tmp_path, monkeypatch):
    monkeypatch.delenv("DJANGO_SECRET_KEY", raising=False)
    key_file = tmp_path / "var" / "secret_key"
    chmods = []
    monkeypatch.setattr(Path, "chmod", lambda self, mode: chmods.append(mode))
    previous = os.umask(0)
    try:
        key = secret_key("DJANGO_SECRET_KEY", key_file)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and chmods == []  # not widened, then narrowed
    assert len(key) >= 50 and secret_key("DJANGO_SECRET_KEY", key_file) == key


@pytest.mark.django_db
def test_hidden_data_and_submissions_are_private(
    private_umask, tiny, phase, user, upload, private_roots, dispatched
):
    submission_create(owner=user, phase=phase, method_name="m", upload=upload())
    data, submissions = private_roots / "data", private_roots / "submissions"
    assert any(p.is_file() for p in data.rglob("*")) and any(p.is_file() for p in submissions.rglob("*"))
    assert shared_with_others(data) == [] and shared_with_others(submissions) == []
