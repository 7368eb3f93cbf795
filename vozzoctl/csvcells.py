"""CSV cells a spreadsheet would run as a formula, written so it runs nothing (OWASP's
"CSV injection" advice) and read back as the value that was written.

A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel,
LibreOffice and Google Sheets; a leading `'` makes it text, and spreadsheets show it without
the quote. vozzoctl writes such a metadata cell as `'` + value, and a value that itself starts
with `'` followed by one of those characters (or another `'`) with one more `'`, so that reading
drops exactly one leading `'` from every cell it finds in that form. Phone cells are not
touched: they are validated E.164 numbers, and a spreadsheet reads `+91…` as a number.
"""

from __future__ import annotations

FORMULA_START = frozenset("=+-@\t\r")
_QUOTED = FORMULA_START | {"'"}


def escape_cell(value: str) -> str:
    """A metadata value as a CSV cell that no spreadsheet runs."""
    if value[:1] in FORMULA_START or (value[:1] == "'" and value[1:2] in _QUOTED):
        return "'" + value
    return value


def unescape_cell(cell: str) -> str:
    """The value `escape_cell` wrote; any other cell as it is."""
    if cell[:1] == "'" and cell[1:2] in _QUOTED:
        return cell[1:]
    return cell


def needs_escape(value: str) -> bool:
    return escape_cell(value) != value
