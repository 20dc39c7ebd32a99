"""Serializers that parse request input (query strings and the submission form); no model writes."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.fields import SkipField

from leaderboard.selectors import OFFSET_MAX
from leaderboard.services.submission_rules import DESCRIPTION_MAX, METHOD_NAME_MAX, URL_MAX

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


def _text(help_text: str) -> serializers.CharField:
    """An optional text field of the submission form (blank allowed; the service judges it)."""
    return serializers.CharField(required=False, allow_blank=True, default="", help_text=help_text)


class SubmissionCreateInput(serializers.Serializer):
    """The multipart submission form: where, what, and a file or a JSON config (exactly one).

    It parses only (slugs, text, a file, booleans); the rules (limits, URL schemes, exactly one payload sent
    once, extensions, the config's JSON) are the service's (leaderboard.services.submission_rules), and the
    API answers with its field errors ("upload" named "file" here)."""

    benchmark = serializers.SlugField(max_length=64)
    phase = serializers.SlugField(max_length=64)
    method_name = _text(f"required; at most {METHOD_NAME_MAX} characters")
    description = _text(f"at most {DESCRIPTION_MAX} characters")
    paper_url = _text(f"an http(s) URL of at most {URL_MAX} characters")
    code_url = _text(f"an http(s) URL of at most {URL_MAX} characters")
    file = serializers.FileField(required=False, allow_empty_file=True, use_url=False)
    config = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, help_text="a JSON object, as text"
    )
    is_public = serializers.BooleanField(required=False, default=True)
    is_anonymous = serializers.BooleanField(required=False, default=False)

    def service_values(self) -> dict:
        """The parsed values as submission_create and submission_input_check take them (after is_valid)."""
        data = self.validated_data if not self.errors else self._fields_parsed()
        getlist = getattr(self.initial_data, "getlist", None)
        parts = {name: len(getlist(name)) if getlist is not None else 0 for name in ("file", "config")}
        config = data.get("config")
        return {
            "method_name": data.get("method_name", ""),
            "description": data.get("description", ""),
            "paper_url": data.get("paper_url", ""),
            "code_url": data.get("code_url", ""),
            "upload": data.get("file"),
            "config": config if config and config.removeprefix("\ufeff").strip() else None,
            "upload_parts": parts["file"],
            "config_parts": parts["config"],
        }

    def _fields_parsed(self) -> dict:
        """Each field that parses on its own, when another did not (so the service judges the rest)."""
        values = {}
        for name, field in self.fields.items():
            if name in self.errors:
                continue
            try:
                values[name] = field.run_validation(field.get_value(self.initial_data))
            except (serializers.ValidationError, SkipField):
                continue
        return values
