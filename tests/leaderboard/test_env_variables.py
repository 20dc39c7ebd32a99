"""Every SPARSEBENCH_* variable of .env.example is checked where it is read: a malformed value is refused
with a message naming the variable (one child process tries them all, the settings re-read for each)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: Variables any value of which is valid, and why (the rest must refuse the malformed value below).
FREE_FORM = {
    "SPARSEBENCH_KERNEL_CACHE": "any folder; an unwritable one is named when a kernel is built",
    "SPARSEBENCH_EMAIL_PASSWORD": "a secret: any text (its pairing with the user is checked)",
}

#: A malformed value of each variable (a FILE value is replaced by the path of an existing file).
MALFORMED = {
    "SPARSEBENCH_VAR_DIR": "FILE",
    "SPARSEBENCH_MEDIA_ROOT": "FILE",
    "SPARSEBENCH_STATIC_ROOT": "FILE",
    "SPARSEBENCH_DATA_ROOT": "FILE",
    "SPARSEBENCH_SUBMISSION_ROOT": "FILE",
    "SPARSEBENCH_BUILD_SEED": "seed",
    "SPARSEBENCH_HIDDEN_SECRET": "not-hex",
    "SPARSEBENCH_UPLOAD_MAX_BYTES": "256MB",
    "SPARSEBENCH_LEASE_SECONDS": "soon",
    "SPARSEBENCH_HEARTBEAT_SECONDS": "0",
    "SPARSEBENCH_REAPER_INTERVAL_SECONDS": "1.5",
    "SPARSEBENCH_MAX_ATTEMPTS": "many",
    "SPARSEBENCH_THROTTLE_ANON": "lots",
    "SPARSEBENCH_THROTTLE_USER": "600/fortnight",
    "SPARSEBENCH_LOGIN_FAILURES": "ten",
    "SPARSEBENCH_SIGNUPS_PER_ADDRESS": "-1",
    "SPARSEBENCH_PROXIES": "one",
    "SPARSEBENCH_CACHE_URL": "localhost:6379",
    "SPARSEBENCH_DEVICE": "tpu",
    "SPARSEBENCH_FRONTIER_HF_MODEL": "/nonexistent/model",
    "SPARSEBENCH_VDIT_DIFFUSERS_MODEL": "/nonexistent/model",
    "SPARSEBENCH_VERIFY_LINK_HOURS": "two days",
    "SPARSEBENCH_EMAIL_BACKEND": "pigeon",
    "SPARSEBENCH_EMAIL_FROM": "nobody",
    "SPARSEBENCH_EMAIL_HOST": "smtp.example.org:587",
    "SPARSEBENCH_EMAIL_PORT": "70000",
    "SPARSEBENCH_EMAIL_USER": "alone",
    "SPARSEBENCH_EMAIL_SECURITY": "maybe",
    "SPARSEBENCH_EMAIL_TIMEOUT": "forever",
    "SPARSEBENCH_LOG_LEVEL": "loud",
    "SPARSEBENCH_HOST": "http://example.org",
    "SPARSEBENCH_PORT": "abc",
    "SPARSEBENCH_NATIVE_MARCH": "native -O0",
    "SPARSEBENCH_TRITON_TUNE": "sometimes",
}

#: Runs in a child: for each variable, set the malformed value, read it where the service reads it.
PROBE = """
import importlib, json, os, sys
cases = json.loads(sys.argv[1])

def read(name):
    if name in ("SPARSEBENCH_HOST", "SPARSEBENCH_PORT"):
        from leaderboard.runner import runner_address
        return runner_address()
    if name == "SPARSEBENCH_FRONTIER_HF_MODEL":
        from evaluator.benchmarks.frontier.hf_adapter import hf_model_dir
        return hf_model_dir()
    if name == "SPARSEBENCH_VDIT_DIFFUSERS_MODEL":
        from evaluator.benchmarks.vdit_e2e.diffusers_model import configured_model
        return configured_model()
    if name == "SPARSEBENCH_NATIVE_MARCH":
        from kernels.cbuild.compile import _flags
        return _flags()
    if name == "SPARSEBENCH_TRITON_TUNE":
        from kernels.backends.triton_tiles import tuning_enabled
        return tuning_enabled()
    if name == "SPARSEBENCH_DEVICE":
        from evaluator.devices import scoring_device
        scoring_device()
    sys.modules.pop("leaderboard.settings", None)
    return importlib.import_module("leaderboard.settings")

found = {}
for name, value in cases.items():
    os.environ[name] = value
    try:
        read(name)
        found[name] = ""
    except Exception as exc:
        found[name] = str(exc)
    del os.environ[name]
print(json.dumps(found))
"""


def _listed() -> list[str]:
    text = (ROOT / ".env.example").read_text()
    return sorted(set(re.findall(r"^#?\s*(SPARSEBENCH_[A-Z0-9_]+)=", text, flags=re.MULTILINE)))


def test_every_listed_variable_is_covered_here():
    assert sorted(set(MALFORMED) | set(FREE_FORM)) == _listed()


def test_every_variable_refuses_a_malformed_value_naming_itself(tmp_path):
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    cases = {name: str(a_file) if value == "FILE" else value for name, value in MALFORMED.items()}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPARSEBENCH_", "DJANGO_SETTINGS"))}
    env.update(SPARSEBENCH_VAR_DIR=str(tmp_path / "var"))
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(cases)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    missing = {name: message for name, message in found.items() if name not in message}
    assert missing == {}, "accepted, or refused without naming the variable"
