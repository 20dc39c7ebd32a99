"""Plain-text rendering of API answers: aligned tables and submission summaries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evaluator.contract import metric_text


def table_text(*, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Left-aligned columns separated by two spaces, with a dashed rule under the header."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def benchmarks_text(*, benchmarks: Sequence[dict]) -> str:
    """One row per benchmark: slug, title, phases, ranking metric."""
    rows = [
        (b["slug"], b["title"], ", ".join(p["slug"] for p in b.get("phases", [])), b.get("ranking_metric"))
        for b in benchmarks
    ]
    return table_text(headers=("slug", "title", "phases", "ranked by"), rows=rows)


def _columns(metrics: Sequence[dict]) -> tuple[list[dict], dict[str, tuple[str, str]], int]:
    """The headline metrics shown as columns, each metric's interval ends (``<name>_lo``/``<name>_hi``,
    shown in brackets beside it, not as columns), and how many detail columns are left out."""
    names = {m["name"] for m in metrics}
    ends = {f"{n}_lo" for n in names if f"{n}_hi" in names} | {f"{n}_hi" for n in names if f"{n}_lo" in names}
    pairs = {m["name"]: (f"{m['name']}_lo", f"{m['name']}_hi") for m in metrics if f"{m['name']}_lo" in ends}
    shown = [m for m in metrics if m["name"] not in ends and not m.get("detail")]
    return shown, pairs, sum(1 for m in metrics if m.get("detail") and m["name"] not in ends)


def leaderboard_text(*, page: dict) -> str:
    """The leaderboard rows with the headline metrics (intervals in brackets), then the paging state."""
    metrics, pairs, left_out = _columns(page.get("metrics", []))
    headers = ["rank", "id", "method", "submitter"] + [m["label"] or m["name"] for m in metrics]
    rows = []
    for row in page.get("results", []):
        tag = " (reference)" if row.get("is_reference") else " (baseline)" if row.get("is_baseline") else ""
        name = row["method_name"] + tag
        values = []
        for m in metrics:
            fmt = m.get("fmt") or "{}"
            text = metric_text(value=row["metrics"].get(m["name"]), fmt=fmt)
            if m["name"] in pairs and row["metrics"].get(pairs[m["name"]][0]) is not None:
                low, high = (metric_text(value=row["metrics"].get(end), fmt=fmt) for end in pairs[m["name"]])
                text += f" [{low}, {high}]"
            values.append(text)
        rank = "-" if row["rank"] is None else row["rank"]  # a reference baseline has no rank
        rows.append([rank, row["submission_id"], name, row["submitter"], *values])
    shown, offset = len(rows), int(page.get("offset") or 0)
    footer = (
        f"{page.get('benchmark')}/{page.get('phase')} split={page.get('split')} "
        f"order_by={page.get('order_by')} ({'desc' if page.get('descending') else 'asc'}); "
        f"rows {offset + 1 if shown else 0}-{offset + shown} of {page.get('count')}"
    )
    if left_out:
        footer += f"; {left_out} detail columns left out (--json or --csv show every metric)"
    return table_text(headers=headers, rows=rows) + "\n" + footer


def metric_value_text(*, value: Any, spec: dict | None) -> str:
    """A metric value in the benchmark's display format and unit (as the site shows it); None as n/a."""
    if value is None or spec is None:
        return "n/a" if value is None else str(value)
    text = metric_text(value=value, fmt=str(spec.get("fmt") or "{}"))
    return f"{text} {spec['unit']}" if spec.get("unit") else text


def wait_stage(*, submission: dict) -> str:
    """The stage a progress line shows: the server's stage, or while queued why it waits and its queue
    place (with the start estimate)."""
    if submission.get("status") == "queued":
        place = (submission.get("queue") or {}).get("text") or ""
        shown = "; ".join(text for text in (submission.get("waiting") or "", place) if text)
        if shown:
            return shown
    return submission.get("stage") or ""


def submission_text(*, submission: dict, metrics: list[dict] | None = None) -> str:
    """Status block of one submission: state, progress, error and its visible scores (formatted by
    the benchmark's `metrics` when given)."""
    percent = float(submission.get("progress") or 0) * 100
    lines = [
        f"submission {submission['id']}: {submission['method_name']}"
        f" on {submission['benchmark']}/{submission['phase']}",
        f"status:   {submission['status']}"
        + (f" ({submission['failure_kind']})" if submission.get("failure_kind") else ""),
        f"progress: {percent:.0f}% {submission.get('stage') or ''}".rstrip(),
    ]
    if submission.get("waiting"):
        lines.append(f"waiting:  {submission['waiting']}")
    if submission.get("queue"):
        lines.append(f"queue:    {submission['queue']['text']}")
    if submission.get("error"):
        lines.append("error:")
        lines.extend(f"  {line}" for line in str(submission["error"]).splitlines())
    specs = {spec["name"]: spec for spec in metrics or []}
    for score in submission.get("scores", []):
        # the benchmark's own metric order (the stored JSON's key order depends on the database)
        shown = score["metrics"]
        names = [n for n in specs if n in shown] + [n for n in shown if n not in specs]
        values = ", ".join(
            f"{name}={metric_value_text(value=shown[name], spec=specs.get(name))}" for name in names
        )
        lines.append(f"score [{score['split']}]: {values}")
    return "\n".join(lines)
