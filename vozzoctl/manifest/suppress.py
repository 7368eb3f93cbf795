"""Do-not-call lists: numbers that are never sent, whatever a manifest says.

A list is a file of phone numbers (one per line, or a CSV with a `phone` column) or of their
SHA-256 digests — lower-case hex of the E.164 text, e.g. of `+911234567890` — so that a
do-not-call list can live in git without personal data. Blank lines and `#` comments are
skipped; numbers are normalised to E.164 before they are matched.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from vozzoctl.manifest.phones import PhoneError, normalize

_HEX = re.compile(r"[0-9a-f]{64}")


def digest(phone: str) -> str:
    """The SHA-256 a do-not-call list holds for an E.164 number."""
    return hashlib.sha256(phone.encode()).hexdigest()


@dataclass
class Suppression:
    """The union of some do-not-call lists."""

    numbers: set[str] = field(default_factory=set)
    digests: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.numbers or self.digests)

    def holds(self, phone: str) -> bool:
        return phone in self.numbers or (bool(self.digests) and digest(phone) in self.digests)

    def update(self, other: Suppression) -> None:
        self.numbers |= other.numbers
        self.digests |= other.digests


@dataclass(frozen=True)
class Problem:
    line: int
    message: str
    hint: str


def read_list(path: Path) -> tuple[Suppression, list[Problem]]:
    """One do-not-call file; raises OSError / UnicodeDecodeError for the caller to report."""
    text = path.read_text(encoding="utf-8-sig")
    first = next((ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")), "")
    if "phone" in [c.strip().lower() for c in first.split(",")]:
        return _read_csv(text)
    return _read_lines(text.splitlines())


def _read_lines(lines: Iterable[str]) -> tuple[Suppression, list[Problem]]:
    out = Suppression()
    problems: list[Problem] = []
    for n, raw in enumerate(lines, start=1):
        entry = raw.split("#", 1)[0].strip()
        if not entry:
            continue
        if _HEX.fullmatch(entry.lower()) and not entry.startswith("+"):
            out.digests.add(entry.lower())
            continue
        try:
            out.numbers.add(normalize(entry))
        except PhoneError as e:
            problems.append(Problem(n, str(e), e.hint + "; or write its SHA-256 in lower-case hex"))
    return out, problems


def _read_csv(text: str) -> tuple[Suppression, list[Problem]]:
    out = Suppression()
    problems: list[Problem] = []
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader)]
    at = header.index("phone")
    for row in reader:
        if not row or at >= len(row) or not row[at].strip():
            continue
        entry = row[at].strip()
        if _HEX.fullmatch(entry.lower()):
            out.digests.add(entry.lower())
            continue
        try:
            out.numbers.add(normalize(entry))
        except PhoneError as e:
            problems.append(Problem(reader.line_num, str(e), e.hint))
    return out, problems
