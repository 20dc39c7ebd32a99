"""Every shell command of docs/API.md and of the README's client section runs against a live server.

The commands are read from the documents, so the docs cannot drift from the service: each one runs in
bash as written, with only the documented placeholders replaced (host, user, password, file names and
the example submission id 42), curl failing on an HTTP error, and must exit 0.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from evaluator.sandbox import sandbox_available

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
#: Commands of the README that this test does not run, and who does.
NOT_RUN_HERE = {
    "make run": "installs, then serves until Ctrl-C; the e2e stack starts the same web and worker processes",
    "make test": "the test command itself: CI runs it",
    "cp .env.example .env": "docker compose set-up: no Docker engine on the test machines",
    "docker compose up -d --build": "no Docker engine on the test machines",
}
USER, PASSWORD = "olive", "olive-pw-12345"


def _joined(lines: list[str]) -> list[str]:
    """Lines with backslash continuations joined; blank lines dropped."""
    commands, pending = [], ""
    for line in lines:
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        command = (pending + line).strip()
        pending = ""
        if command:
            commands.append(command)
    return commands


def api_doc_commands() -> list[str]:
    """The commands of every ```sh block of docs/API.md, in order."""
    text = (REPO / "docs" / "API.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.S)
    return [command for block in blocks for command in _joined(block.splitlines())]


def readme_commands() -> list[str]:
    """The indented shell lines of the README (`make ...`, `sparsebench ...`, `cp`, `docker`, `curl`)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    found = re.findall(r"^    ((?:make|sparsebench|cp|docker|curl) .*)$", text, flags=re.M)
    return [re.sub(r"\s+#.*$", "", line).strip() for line in found]


def test_the_documents_list_the_expected_commands():
    api, readme = api_doc_commands(), readme_commands()
    assert len(api) >= 15 and any("sparsebench login" in c for c in api)
    assert {"make run", "make test"} <= set(readme)
    assert any(command.startswith("sparsebench submit") for command in readme)


@pytest.fixture(scope="module")
def documented_stack(embedded_stack, tmp_path_factory):
    """The embedded stack with every hosted benchmark's data, a staff user, and the payload files."""
    stack = embedded_stack
    work = tmp_path_factory.mktemp("documented")
    from evaluator.registry import benchmark_get

    data, search = stack.var_dir / "private" / "data", benchmark_get("sparse-search")
    # the sparse-search build (the longest) runs meanwhile the rest is prepared; the sync follows every build
    with concurrent.futures.ThreadPoolExecutor(1) as background:
        search_built = background.submit(stack.manage, "benchmark_build", "sparse-search", timeout=600)
        for slug in ("frontier", "vdit"):
            stack.manage("benchmark_build", slug, timeout=600)
        stack.user_create(USER, PASSWORD, staff=True)
        shutil.copy(stack.payload(), work / "renders.zip")
        vdit_public = data / "vdit" / benchmark_get("vdit").spec.version / "public"
        shutil.copy(vdit_public / "sample_submission.py", work)
        search_built.result()
    search_public = data / "sparse-search" / search.spec.version / "public"
    payloads = (b.make_payload(search_public, "digits", work / "made") for b in search.baselines())
    shutil.copy(next(p.file for p in payloads if p.file.suffix == ".npz"), work / "masks.npz")
    stack.manage("benchmark_sync")
    return stack, work


def _environment(stack, work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPARSEBENCH_", "DJANGO_"))}
    env.update(
        {
            "PATH": f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
            "SPARSEBENCH_URL": stack.base_url,
            "SPARSEBENCH_CONFIG": str(work / "client.json"),
        }
    )
    return env


def _run(command: str, *, stack, work: Path, env: dict[str, str], stdin: str) -> subprocess.CompletedProcess:
    host = stack.base_url.removeprefix("http://")
    command = command.replace("127.0.0.1:8000", host).replace("password=...", f"password={PASSWORD}")
    command = command.replace("username=olive", f"username={USER}")
    script = 'curl() { command curl --fail-with-body --max-time 120 "$@"; }\n' + command
    return subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=work,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
        start_new_session=True,
    )


def _token_get(stack) -> str:
    request = urllib.request.Request(
        f"{stack.base_url}/api/v1/auth/token/", data=f"username={USER}&password={PASSWORD}".encode()
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)["token"]


def test_every_documented_command_runs_against_a_live_server(documented_stack):
    stack, work = documented_stack
    env = _environment(stack, work)
    env["SPARSEBENCH_TOKEN"] = _token_get(stack)
    # "42" stands for the oldest config submission not yet cancelled (after the last cancel: the last made)
    ran, examples, made = [], [], []
    for command in api_doc_commands() + readme_commands():
        if command in NOT_RUN_HERE:
            continue
        if " 42" in command or "/42/" in command:
            assert examples or (made and "cancel" not in command), f"nothing stands for 42 in {command!r}"
            example_id = (examples.pop(0) if "cancel" in command else examples[0]) if examples else made[-1]
            command = command.replace("/42/", f"/{example_id}/").replace(" 42", f" {example_id}")
        login = command.startswith("sparsebench login")
        stdin = (f"{USER}\n" if "--username" not in command else "") + f"{PASSWORD}\n" if login else ""
        done = _run(command, stack=stack, work=work, env=env, stdin=stdin)
        output = f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        if "sample_submission.py" in command and not sandbox_available()[0]:
            # where bubblewrap cannot run, code is refused at upload, saying why (test_code_refused_api.py)
            assert done.returncode == 1 and "refuses code submissions" in done.stderr, output
            ran.append(command)
            continue
        assert done.returncode == 0, f"{command!r} exited {done.returncode}:\n{output}"
        found = re.search(r'"id":\s*(\d+)', done.stdout) or re.search(r"submission (\d+)", done.stdout)
        if " vdit " in command:  # minutes of scoring each: cancelled at once to keep the worker free
            status, _ = stack.http(
                "POST", f"/api/v1/submissions/{found.group(1)}/cancel/", token=env["SPARSEBENCH_TOKEN"]
            )
            assert status == 200, f"could not cancel the example of {command!r}"
        elif "config=" in command or "--config" in command:
            examples.append(int(found.group(1)))
            made.append(examples[-1])
        ran.append(command)
    assert len(ran) >= 20
    assert (work / "track1-dev.zip").stat().st_size > 0 and (work / "lb.csv").read_text().startswith("rank,")
    assert (work / "private.csv").read_text().startswith("rank,")


@pytest.fixture(autouse=True)
def _cancel_the_examples(documented_stack):
    """Leave the shared worker free: cancel the example submissions still queued or running."""
    yield
    stack, _ = documented_stack
    token = _token_get(stack)
    status, page = stack.http("GET", "/api/v1/submissions/?limit=500", token=token)
    for item in page.get("results", []) if status == 200 else []:
        if item["status"] in {"queued", "running"}:
            stack.http("POST", f"/api/v1/submissions/{item['id']}/cancel/", token=token)
