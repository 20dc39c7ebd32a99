"""CSV cells safe to open in a spreadsheet: text starting like a formula is escaped (CSV injection)."""

from __future__ import annotations

#: First characters a spreadsheet reads as the start of a formula (OWASP's CSV injection list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: str) -> str:
    """Text for a CSV cell: prefixed with an apostrophe when it would start a formula, else unchanged."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_cell(value: object) -> str:
    """A CSV cell: empty for None, true/false, full precision for floats, numbers as numbers, text escaped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    return csv_text(str(value))
