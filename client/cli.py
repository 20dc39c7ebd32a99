"""Entry point of the `sparsebench` console script: argument parsing and the sub-commands."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from client.config import ClientConfig, config_path, config_resolve, config_write
from client.http import ApiClient, ApiError, config_text
from client.progress import ProgressBar
from client.render import benchmarks_text, leaderboard_text, submission_text, wait_stage

#: Exit codes: 0 success, 1 the server refused or the submission failed, 2 usage, 3 unreachable, 4 no token.
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_NO_TOKEN = 0, 1, 2, 3, 4
TERMINAL = {"scored", "failed", "cancelled"}


def parser_build() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = argparse.ArgumentParser(prog="sparsebench", description="Sparsebench command-line client.")
    parser.add_argument("--url", help="server URL (default: $SPARSEBENCH_URL, login config, 127.0.0.1:8000)")
    sub = parser.add_subparsers(dest="command", required=True)

    login = sub.add_parser("login", help="store an API token for this server")
    login.add_argument("--username", help="account name (asked when omitted)")
    login.add_argument("--password-stdin", action="store_true", help="read the password from stdin")

    sub.add_parser("benchmarks", help="list the benchmarks").add_argument("--json", action="store_true")

    submit = sub.add_parser("submit", help="submit a file or a JSON config")
    submit.add_argument("benchmark")
    submit.add_argument("phase")
    submit.add_argument("file", nargs="?", type=Path, help="the payload file (ZIP, NPZ, JSON...)")
    submit.add_argument("--config", help="a JSON method config (text or a path to a .json file)")
    submit.add_argument("--method", help="method name (default: the file name without extension)")
    submit.add_argument("--description", default="")
    submit.add_argument("--paper-url", default="")
    submit.add_argument("--code-url", default="")
    submit.add_argument("--wait", action="store_true", help="follow the scoring with a progress bar")
    submit.add_argument("--poll", type=float, default=1.0, help="seconds between polls with --wait")

    status = sub.add_parser("status", help="show a submission")
    status.add_argument("id", type=int)
    status.add_argument("--json", action="store_true")

    cancel = sub.add_parser("cancel", help="cancel a queued or running submission")
    cancel.add_argument("id", type=int)

    board = sub.add_parser("leaderboard", help="show a leaderboard")
    board.add_argument("benchmark")
    board.add_argument("--phase", help="phase slug (default: the benchmark's first phase)")
    board.add_argument("--split", choices=("public", "private"))
    board.add_argument("--order-by", help="metric name to sort by")
    board.add_argument("--limit", type=int)
    board.add_argument("--offset", type=int)
    board.add_argument("--csv", action="store_true", help="print the CSV export")
    board.add_argument("--json", action="store_true")
    return parser


class _NoToken(Exception):
    """No API token is available for a command that needs one."""


def _need_token(config: ClientConfig) -> None:
    """Raise _NoToken when no token is configured (main maps it to EXIT_NO_TOKEN)."""
    if not config.token:
        raise _NoToken("not logged in: run `sparsebench login` or set SPARSEBENCH_TOKEN")


def command_login(*, args: argparse.Namespace, config: ClientConfig) -> int:
    """Ask for credentials, fetch the token and store it in the config file (mode 0600)."""
    username = args.username or input("username: ").strip()
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("password: ")
    token = ApiClient(url=config.url).token_obtain(username=username, password=password)
    path = config_path()
    config_write(path=path, url=config.url, token=token)
    print(f"logged in to {config.url} as {username}; token stored in {path}")
    return EXIT_OK


def command_benchmarks(*, args: argparse.Namespace, config: ClientConfig) -> int:
    """Print the visible benchmarks."""
    benchmarks = ApiClient(url=config.url, token=config.token).benchmarks_list()
    print(json.dumps(benchmarks, indent=2) if args.json else benchmarks_text(benchmarks=benchmarks))
    return EXIT_OK


def submission_wait(*, api: ApiClient, submission_id: int, poll_s: float) -> dict:
    """Poll a submission until it is terminal, drawing a progress line per stage on stderr (while queued:
    its place in the queue and the start estimate)."""
    bar = ProgressBar()
    try:
        while True:
            submission = api.submission_get(submission_id=submission_id)
            status = submission["status"]
            stage = wait_stage(submission=submission)
            bar.update(fraction=submission["progress"], stage=stage, status=status)
            if status in TERMINAL:
                return submission
            time.sleep(poll_s)
    finally:
        bar.close()


def command_submit(*, args: argparse.Namespace, config: ClientConfig) -> int:
    """Upload the payload, print the new id, and with --wait follow it to the end."""
    if (args.file is None) == (args.config is None):
        print("error: give exactly one of FILE or --config", file=sys.stderr)
        return EXIT_USAGE
    if args.file is not None and not args.file.is_file():
        print(f"error: {args.file}: no such file", file=sys.stderr)
        return EXIT_USAGE
    try:
        config_json = config_text(value=args.config) if args.config is not None else None
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    _need_token(config)
    method = args.method or (args.file.stem if args.file is not None else "config")
    fields = {
        "benchmark": args.benchmark,
        "phase": args.phase,
        "method_name": method,
        "description": args.description,
        "paper_url": args.paper_url,
        "code_url": args.code_url,
    }
    api = ApiClient(url=config.url, token=config.token)
    created = api.submission_create(fields=fields, file=args.file, config=config_json)
    print(f"submission {created['id']} {created['status']}")
    if not args.wait:
        return EXIT_OK
    final = submission_wait(api=api, submission_id=created["id"], poll_s=args.poll)
    print(_status_text(api=api, submission=final))
    return EXIT_OK if final["status"] == "scored" else EXIT_FAILED


def _status_text(*, api: ApiClient, submission: dict) -> str:
    """The status block, scores in the benchmark's display formats and units."""
    metrics = api.benchmark_get(slug=submission["benchmark"])["metrics"] if submission.get("scores") else None
    return submission_text(submission=submission, metrics=metrics)


def command_status(*, args: argparse.Namespace, config: ClientConfig) -> int:
    """Print one submission (without a token: baselines and public leaderboard entries only)."""
    try:
        submission = ApiClient(url=config.url, token=config.token).submission_get(submission_id=args.id)
    except ApiError as exc:
        if exc.status in {401, 404} and not config.token:
            exc.message += (
                " (not logged in: only baselines and public leaderboard entries are visible;"
                " run `sparsebench login`)"
            )
        raise
    if args.json:
        print(json.dumps(submission, indent=2))
        return EXIT_OK
    print(_status_text(api=ApiClient(url=config.url, token=config.token), submission=submission))
    return EXIT_OK


def command_cancel(*, args: argparse.Namespace, config: ClientConfig) -> int:
    """Cancel one submission."""
    _need_token(config)
    submission = ApiClient(url=config.url, token=config.token).submission_cancel(submission_id=args.id)
    print(f"submission {submission['id']} {submission['status']}")
    return EXIT_OK


def command_leaderboard(*, args: argparse.Namespace, config: ClientConfig) -> int:
    """Print a leaderboard as a table, JSON or CSV."""
    params = {
        "phase": args.phase,
        "split": args.split,
        "order_by": args.order_by,
        "limit": args.limit,
        "offset": args.offset,
    }
    api = ApiClient(url=config.url, token=config.token)
    if args.csv:
        sys.stdout.write(api.leaderboard_get(slug=args.benchmark, params=params, csv=True))
        return EXIT_OK
    page = api.leaderboard_get(slug=args.benchmark, params=params)
    print(json.dumps(page, indent=2) if args.json else leaderboard_text(page=page))
    return EXIT_OK


COMMANDS = {
    "login": command_login,
    "benchmarks": command_benchmarks,
    "submit": command_submit,
    "status": command_status,
    "cancel": command_cancel,
    "leaderboard": command_leaderboard,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns (and, as a script, exits with) its exit code."""
    args = parser_build().parse_args(argv)
    try:
        config = config_resolve(url_flag=args.url, path=config_path())
        return COMMANDS[args.command](args=args, config=config)
    except _NoToken as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_NO_TOKEN
    except ApiError as exc:
        if exc.status == 401 and "sparsebench login" not in exc.message:
            exc.message += " (the server refused the token: run `sparsebench login` or set SPARSEBENCH_TOKEN)"
        print(exc.describe(), file=sys.stderr)
        return EXIT_UNREACHABLE if exc.status == 0 else EXIT_FAILED
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
