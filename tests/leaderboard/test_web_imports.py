"""The web server and the management commands start without importing torch (seconds per process; the
worker and the data build import it when they need it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys
import django
django.setup()
import leaderboard.wsgi, leaderboard.urls, leaderboard.admin
from leaderboard import selectors, services
from django.urls import resolve
resolve("/")
heavy = sorted(name for name in ("torch", "kernels", "triton") if name in sys.modules)
print(",".join(heavy))
"""


def test_the_web_process_imports_no_torch(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPARSEBENCH_", "DATABASE_", "CELERY_"))}
    env.update(DJANGO_SETTINGS_MODULE="leaderboard.settings", SPARSEBENCH_VAR_DIR=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "", f"imported at start-up: {done.stdout.strip()}"
