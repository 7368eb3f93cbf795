"""Recipient CSV files read strictly: every row a line, every problem at its line.

A lenient CSV reader turns one unclosed quote into a cell that swallows the rows after it, and
their numbers are then sent inside someone's metadata. So a quote must close on the line it
opens (no cell holds a line break), a stray quote or a NUL byte is an error at its line, and the
header row is checked before any row: a headerless file, another delimiter, or the API's own
field names are named, never guessed at. Messages never quote a cell: column names only,
masked when they look like phone numbers.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import BinaryIO, TextIO

# Columns with a meaning of their own. Any other column is metadata, except the API's names
# for the same things, which would otherwise become metadata silently.
PHONE, LANGUAGE = "phone", "language"
API_NAMES = {
    "to_phone_number": f"rename it {PHONE}",
    "agent_language": f"rename it {LANGUAGE}",
    "metadata": "give each metadata value its own column, e.g. customer_name",
}


class CsvProblem(ValueError):
    """A problem at a line of the file; the message never quotes its content."""

    def __init__(self, line: int, message: str, hint: str) -> None:
        super().__init__(message)
        self.line = line
        self.hint = hint


def refuse_nul(handle: BinaryIO) -> None:
    """Raise CsvProblem at the line of the first NUL byte, if any; then rewind. One pass at C
    speed over the bytes, so the rows themselves are read by csv alone."""
    line = 1
    while chunk := handle.read(1 << 20):
        at = chunk.find(b"\0")
        if at >= 0:
            line += chunk.count(b"\n", 0, at)
            raise CsvProblem(line, "holds a NUL byte", "save the file as plain UTF-8 text")
        line += chunk.count(b"\n")
    handle.seek(0)


def rows(handle: TextIO) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) of every row, header first; blank lines are skipped."""
    reader = csv.reader(handle, strict=True)
    start = 1
    try:
        for row in reader:
            end = reader.line_num
            if end != start:  # a quoted cell ran over a line break
                raise CsvProblem(
                    start,
                    "a quote opened on this line closes on a later one",
                    'close the quote on the line it opens, or remove the stray "',
                )
            if row:
                yield start, row
            start = end + 1
    except csv.Error as e:
        detail = str(e)
        if "end of data" in detail:
            message = "a quote opened on this line is never closed"
        else:
            message = "has a quote in the middle of a cell"
        hint = 'quote whole cells: "Doe, John"; write "" for a "'
        raise CsvProblem(start, message, hint) from None


def header_problem(names: list[str]) -> tuple[str, str] | None:
    """Why a header row cannot be read (message, hint), or None."""
    lowered = [n.lower() for n in names]
    phone_like = [n for n in names if _looks_like_a_number(n)]
    if phone_like:
        return (
            "the first row holds a phone number, not column names",
            "add a header row naming the columns, e.g. phone,language,customer_name",
        )
    for n, name in enumerate(lowered):
        if name in API_NAMES:
            return f"column {_shown(names[n])} is an API field name", API_NAMES[name]
    if PHONE not in lowered:
        joined = ",".join(names)
        for sep, word in ((";", "semicolons"), ("\t", "tabs")):
            if sep in joined:
                return (
                    f"has no phone column; its cells seem separated by {word}",
                    "save it with commas between cells; in a spreadsheet, choose "
                    "CSV UTF-8 (comma delimited)",
                )
        shown = ", ".join(_shown(n) for n in names[:8]) + (", ..." if len(names) > 8 else "")
        return "has no phone column", f"name one column 'phone' in the header row; found: {shown}"
    for n, name in enumerate(names):
        if not name:
            return f"column {n + 1} has no name", "name it"
        if lowered.index(name.lower()) != n:
            return f"column {_shown(name)} appears twice", "keep one of them"
    return None


def _looks_like_a_number(cell: str) -> bool:
    return sum(c.isdigit() for c in cell) >= 7


def _shown(name: str) -> str:
    text = name if name.isprintable() else repr(name)
    return text if len(text) <= 40 else text[:37] + "..."
