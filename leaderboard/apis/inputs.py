"""Serializers that parse request input (query strings and the submission form); no model writes."""

from __future__ import annotations

from rest_framework import serializers

from leaderboard.selectors import OFFSET_MAX
from leaderboard.services.payloads import config_text_parse

#: Rows per request: the selector's ceiling; JSON pages default to 100 rows, the CSV export to the ceiling.
PAGE_MAX = 1000
JSON_PAGE_DEFAULT = 100


class TokenRequestInput(serializers.Serializer):
    """Credentials exchanged for an API token."""

    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class PhaseQueryInput(serializers.Serializer):
    """?phase=<slug>, optional (the benchmark's first visible phase when omitted)."""

    phase = serializers.SlugField(required=False, max_length=64)


class DataQueryInput(serializers.Serializer):
    """?phase=<slug>, required for a data bundle."""

    phase = serializers.SlugField(max_length=64)


class LeaderboardQueryInput(PhaseQueryInput):
    """Leaderboard query: phase, split, order_by (a metric name), direction and paging."""

    split = serializers.ChoiceField(choices=("public", "private"), default="public")
    order_by = serializers.CharField(required=False, max_length=64)
    descending = serializers.BooleanField(required=False, allow_null=True, default=None)
    limit = serializers.IntegerField(required=False, min_value=1)
    offset = serializers.IntegerField(default=0, min_value=0, max_value=OFFSET_MAX)

    def validate_order_by(self, value: str) -> str:
        """Accept only a metric of this benchmark (the names come in context["metric_names"])."""
        names = self.context.get("metric_names", ())
        if value not in names:
            raise serializers.ValidationError(f"unknown metric {value}; choose one of: {', '.join(names)}")
        return value

    def validate(self, attrs: dict) -> dict:
        """Apply the page size default (100 rows for JSON, the ceiling for CSV) and the ceiling."""
        limit = attrs.get("limit")
        if limit is None:
            attrs["limit"] = PAGE_MAX if self.context.get("csv") else JSON_PAGE_DEFAULT
        elif limit > PAGE_MAX:
            raise serializers.ValidationError({"limit": [f"at most {PAGE_MAX} rows per request"]})
        return attrs


class SubmissionListQueryInput(serializers.Serializer):
    """Optional filters of the caller's submission list."""

    benchmark = serializers.SlugField(required=False, max_length=64)
    phase = serializers.SlugField(required=False, max_length=64)
    status = serializers.ChoiceField(
        required=False, choices=("queued", "running", "scored", "failed", "cancelled")
    )


class SubmissionCreateInput(serializers.Serializer):
    """The multipart submission form: where, what, and a file or a JSON config (exactly one)."""

    benchmark = serializers.SlugField(max_length=64)
    phase = serializers.SlugField(max_length=64)
    method_name = serializers.CharField(max_length=120)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)
    paper_url = serializers.URLField(required=False, allow_blank=True, default="", max_length=200)
    code_url = serializers.URLField(required=False, allow_blank=True, default="", max_length=200)
    file = serializers.FileField(required=False, allow_empty_file=False, use_url=False)
    config = serializers.CharField(
        required=False, trim_whitespace=False, max_length=1_000_000, help_text="a JSON object, as text"
    )
    is_public = serializers.BooleanField(required=False, default=True)
    is_anonymous = serializers.BooleanField(required=False, default=False)

    def validate_config(self, value: str) -> dict:
        """Parse the config text; it must be a JSON object."""
        try:
            return config_text_parse(text=value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None

    def validate(self, attrs: dict) -> dict:
        """Exactly one of file and config, each sent at most once."""
        getlist = getattr(self.initial_data, "getlist", None)
        for name in ("file", "config"):
            count = len(getlist(name)) if getlist is not None else 0
            if count > 1:
                raise serializers.ValidationError({name: [f"sent {count} times; send exactly one"]})
        has_file, has_config = attrs.get("file") is not None, attrs.get("config") is not None
        if has_file and has_config:
            raise serializers.ValidationError({"file": ["send either a file or a config, not both"]})
        if not has_file and not has_config:
            raise serializers.ValidationError({"file": ["send a file or a config (JSON text)"]})
        return attrs
