"""One problem found in the manifests, located and worded for the person who must fix it."""

from __future__ import annotations

import difflib
import enum
from dataclasses import dataclass


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
