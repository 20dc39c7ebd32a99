"""Request body parsers of the API: JSON read with a UTF-8 BOM allowed and bounded depth and numbers."""

from __future__ import annotations

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from evaluator.jsontext import JsonTextError, json_text_load


class SafeJSONParser(JSONParser):
    """DRF's JSON parser on evaluator.jsontext: deep nesting, huge integers and NaN are a 400, never a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        """Parse the body (the declared length is bounded by the request-size middleware)."""
        try:
            return json_text_load(text=stream.read() if stream is not None else b"")
        except JsonTextError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
