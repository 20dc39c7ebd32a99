"""Renderers beyond JSON: the leaderboard CSV export and the ZIP passthrough of data bundles."""

from __future__ import annotations

import csv
import io
import json

from rest_framework.renderers import BaseRenderer

from leaderboard.csvcells import csv_cell as _cell

FIXED_COLUMNS = ("rank", "submission_id", "method_name", "submitter", "is_baseline", "is_reference")
TRAILING_COLUMNS = ("paper_url", "code_url", "submitted_at", "url")
#: The row's paired difference to the next row (delta_to_next in JSON): value, interval ends, separated.
DELTA_COLUMNS = ("delta_to_next", "delta_to_next_lo", "delta_to_next_hi", "delta_to_next_separated")
DELTA_FIELDS = ("difference", "low", "high", "separated")


class LeaderboardCsvRenderer(BaseRenderer):
    """One header row (fixed columns, each metric name, links, the paired difference to the next row) and one
    row per leaderboard entry."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        """CSV of a leaderboard page; an error body is written as `field,message` rows."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        if isinstance(data, dict) and "results" in data and "metrics" in data:
            metric_names = [metric["name"] for metric in data["metrics"]]
            writer.writerow([*FIXED_COLUMNS, *metric_names, *TRAILING_COLUMNS, *DELTA_COLUMNS])
            for row in data["results"]:
                delta = row.get("delta_to_next") or {}
                writer.writerow(
                    [_cell(row[c]) for c in FIXED_COLUMNS]
                    + [_cell(row["metrics"].get(name)) for name in metric_names]
                    + [_cell(row[c]) for c in TRAILING_COLUMNS]
                    + [_cell(delta.get(name)) for name in DELTA_FIELDS]
                )
        elif isinstance(data, dict):
            writer.writerow(["field", "message"])
            for key, value in data.items():
                for message in value if isinstance(value, list) else [value]:
                    writer.writerow([key, _cell(message)])
        return buffer.getvalue().encode("utf-8")


class ZipRenderer(BaseRenderer):
    """Lets clients ask for application/zip; the data view answers with a FileResponse, errors as JSON."""

    media_type = "application/zip"
    format = "zip"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        """Errors reach this renderer only as dicts: encode them as JSON bytes."""
        if renderer_context and renderer_context.get("response") is not None:
            renderer_context["response"]["Content-Type"] = "application/json"
        return json.dumps(data).encode("utf-8")
