"""Hostile-input-safe JSON: a UTF-8 BOM allowed, bounded depth and integer size, finite numbers."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

#: Defaults: deeper than any honest config or mask file, and integers up to 64-bit range (20 digits).
MAX_DEPTH = 32
MAX_INT_DIGITS = 20


class JsonTextError(ValueError):
    """JSON text or a JSON value that is refused; `path` names the offending element ("" for the whole)."""

    def __init__(self, message: str, *, path: str = "") -> None:
        self.message = message
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


def text_problem(text: str) -> str:
    """Why a JSON string cannot be kept (a NUL, an unpaired surrogate: databases refuse both), or ""."""
    if "\x00" in text:
        return "text holds a NUL character (\\u0000), which cannot be stored"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "text holds an unpaired UTF-16 surrogate, which is not valid Unicode"
    return ""


@dataclass(frozen=True)
class _LongInt:
    """Placeholder for an integer literal with too many digits (never converted to int)."""

    digits: int


def json_path_join(*, path: str, key: str | int) -> str:
    """The path of a child: `a.b` for object members, `a[3]` for array items."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def json_text_load(
    *, text: str | bytes, max_depth: int = MAX_DEPTH, max_int_digits: int = MAX_INT_DIGITS
) -> Any:
    """Parse JSON text (a leading UTF-8 BOM is allowed); JsonTextError names what is refused and where."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise JsonTextError(f"not UTF-8 text (byte {exc.start})") from None
    text = text.removeprefix("\ufeff")

    def parse_int(literal: str) -> int | _LongInt:
        digits = len(literal.lstrip("-"))
        return _LongInt(digits) if digits > max_int_digits else int(literal)

    try:
        value = json.loads(text, parse_int=parse_int, parse_constant=float)
    except json.JSONDecodeError as exc:
        raise JsonTextError(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise JsonTextError(f"nested more than {max_depth} levels deep") from None
    json_value_check(value=value, max_depth=max_depth, max_int_digits=max_int_digits)
    return value


def json_value_check(
    *, value: Any, max_depth: int = MAX_DEPTH, max_int_digits: int = MAX_INT_DIGITS
) -> None:
    """Refuse (JsonTextError naming the path) deep nesting, long integers, non-finite numbers, unstorable
    text (NUL, unpaired surrogates), non-JSON."""
    stack: list[tuple[Any, str, int]] = [(value, "", 1)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > max_depth:
                raise JsonTextError(f"nested more than {max_depth} levels deep", path=path)
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in pairs:
                if isinstance(item, dict) and not isinstance(key, str):
                    raise JsonTextError("object keys must be text", path=path)
                if isinstance(item, dict) and text_problem(key):
                    raise JsonTextError(f"a key {text_problem(key)[5:]}", path=path)
                stack.append((child, json_path_join(path=path, key=key), depth + 1))
        elif isinstance(item, _LongInt):
            message = f"integer of {item.digits} digits; at most {max_int_digits} allowed"
            raise JsonTextError(message, path=path)
        elif isinstance(item, str):
            if text_problem(item):
                raise JsonTextError(text_problem(item), path=path)
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if abs(item) >= 10**max_int_digits:
                raise JsonTextError(f"integer of more than {max_int_digits} digits", path=path)
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise JsonTextError("numbers must be finite (no NaN or Infinity)", path=path)
        else:
            raise JsonTextError(f"a {type(item).__name__} is not a JSON value", path=path)
