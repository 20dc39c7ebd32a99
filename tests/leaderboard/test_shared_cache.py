"""The throttles' counters live in a cache that every web process shares (files by default, Redis by URL)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

from django.conf import settings
from django.core.cache import cache

REPO = Path(__file__).resolve().parents[2]


def _other_process(code: str) -> str:
    """Run `code` in a second Django process with this one's settings; its stdout."""
    script = "import django; django.setup(); from django.core.cache import cache; " + code
    module = os.environ.get("DJANGO_SETTINGS_MODULE", "leaderboard.settings")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": module}
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120, check=True)  # fmt: skip
    return done.stdout.strip()


def test_default_cache_is_files_under_the_var_dir():
    backend = settings.CACHES["default"]
    assert backend["BACKEND"].endswith("FileBasedCache")
    assert Path(backend["LOCATION"]) == Path(settings.VAR_DIR) / "cache"


def test_a_count_made_by_one_process_is_seen_by_another():
    key = f"shared-{uuid.uuid4().hex}"
    cache.set(key, 0, timeout=60)
    cache.incr(key)
    assert _other_process(f"cache.incr({key!r}); print(cache.get({key!r}))") == "2"
    assert cache.get(key) == 2
