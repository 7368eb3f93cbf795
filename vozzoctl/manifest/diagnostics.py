"""One problem found in the manifests, located and worded for the person who must fix it."""

from __future__ import annotations

import difflib
import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

# More than this many problems of one kind in one file are one message with their count.
REPEATS_SHOWN = 5
_INDEX = re.compile(r"\[[0-9]+\]")


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """`file:line:col: field.path: message (hint)`; line and col are 1-based, 0 when unknown.

    Errors print exactly so; warnings say `warning:` after the location, as compilers do.
    """

    severity: Severity
    file: str
    line: int
    col: int
    field: str
    message: str
    hint: str = ""

    @property
    def location(self) -> str:
        if self.line and self.col:
            return f"{self.file}:{self.line}:{self.col}"
        if self.line:
            return f"{self.file}:{self.line}"
        return self.file

    def format(self) -> str:
        head = f"{self.location}: "
        if self.severity is Severity.WARNING:
            head += "warning: "
        body = f"{self.field}: {self.message}" if self.field else self.message
        return head + body + (f" ({self.hint})" if self.hint else "")

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.file, self.line, self.col, self.message)

    def as_json(self) -> dict[str, object]:
        return {
            "severity": self.severity.value,
            "file": self.file,
            "line": self.line,
            "column": self.col,
            "field": self.field,
            "message": self.message,
            "hint": self.hint,
        }


def aggregate(diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
    """One cause repeated many times is one message: problems of one file that differ only in
    where they stand (the same field of every recipient, the same hint) are reported at the
    first, with their count and the next few lines. Keeps the order given."""
    groups: dict[tuple[Severity, str, str, str], list[Diagnostic]] = {}
    keys = [(d.severity, d.file, _INDEX.sub("[]", d.field), d.hint) for d in diagnostics]
    for d, key in zip(diagnostics, keys, strict=True):
        groups.setdefault(key, []).append(d)
    out: list[Diagnostic] = []
    for d, key in zip(diagnostics, keys, strict=True):
        group = groups[key]
        if len(group) <= REPEATS_SHOWN:
            out.append(d)
        elif group[0] is d:
            lines = sorted({g.line for g in group[1:] if g.line})
            also = ", ".join(str(n) for n in lines[:3]) + (", …" if len(lines) > 3 else "")
            where = f", also at line{'s' if len(lines) > 1 else ''} {also}" if lines else ""
            out.append(replace(d, message=f"{d.message}; {len(group):,} times{where}"))
    return out


def closest(word: str, valid: list[str]) -> str | None:
    """The valid name a misspelt one most likely meant (`weekend` → `weekends`)."""
    close = difflib.get_close_matches(word, valid, n=1, cutoff=0.6)
    return close[0] if close else None


def suggest(word: str, valid: list[str]) -> str:
    """The hint for an unknown field: the nearest valid name, then every valid one."""
    close = closest(word, valid)
    listed = ", ".join(valid)
    if close:
        return f"did you mean {close}? valid here: {listed}"
    return f"valid here: {listed}" if valid else ""
