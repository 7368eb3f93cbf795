"""Do-not-call lists: numbers that are never sent, whatever a manifest says.

A list is a text file with one entry a line (or a CSV with a `phone` column). An entry is

* a phone number, normalised to E.164 before it is matched;
* `hmac-sha256:<hex>`: HMAC-SHA256 of the E.164 text under a key from the environment
  variable `VOZZOCTL_SUPPRESS_KEY`. Without the key nobody can tell which numbers the list
  holds, so such a list can live in git. Under a wrong key such entries would match nobody, and
  everyone on the list would be called: so a list with keyed entries must hold one line
  `hmac-sha256-key:<hex>`, the HMAC of `vozzoctl-suppress-key-check` under its key, and a
  list whose check does not match the key given is an error;
* 64 hex digits: the plain SHA-256 of the E.164 text, kept for lists that exist. It hides a
  number only from a casual reader: anyone can hash all ~10^10 numbers of a country in minutes.

Blank lines and `#` comments are skipped.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from vozzoctl.manifest.phones import PhoneError, normalize

KEY_VARIABLE = "VOZZOCTL_SUPPRESS_KEY"
HMAC_PREFIX = "hmac-sha256:"
CHECK_PREFIX = "hmac-sha256-key:"
CHECK_TEXT = b"vozzoctl-suppress-key-check"
_HEX = re.compile(r"[0-9a-f]{64}")


def digest(phone: str) -> str:
    """The plain SHA-256 a do-not-call list may hold for an E.164 number."""
    return hashlib.sha256(phone.encode()).hexdigest()


def keyed_digest(phone: str, key: bytes) -> str:
    """The HMAC-SHA256 (hex) a keyed do-not-call list holds for an E.164 number."""
    return hmac.new(key, phone.encode(), hashlib.sha256).hexdigest()


def key_check(key: bytes) -> str:
    """The `hmac-sha256-key:` value that says a list was made with `key`."""
    return hmac.new(key, CHECK_TEXT, hashlib.sha256).hexdigest()


@dataclass
class Suppression:
    """The union of some do-not-call lists."""

    numbers: set[str] = field(default_factory=set)
    digests: set[str] = field(default_factory=set)
    keyed: set[str] = field(default_factory=set)
    key: bytes = b""
    # while one list is read: where its first keyed entry and its key check stand
    keyed_at: int = 0
    check: tuple[int, str] = (0, "")

    def __bool__(self) -> bool:
        return bool(self.numbers or self.digests or self.keyed)

    def holds(self, phone: str) -> bool:
        return (
            phone in self.numbers
            or (bool(self.digests) and digest(phone) in self.digests)
            or (bool(self.keyed) and keyed_digest(phone, self.key) in self.keyed)
        )

    def update(self, other: Suppression) -> None:
        self.numbers |= other.numbers
        self.digests |= other.digests
        self.keyed |= other.keyed
        self.key = self.key or other.key


@dataclass(frozen=True)
class Problem:
    line: int
    message: str
    hint: str


def read_list(text: str, env: Mapping[str, str]) -> tuple[Suppression, list[Problem]]:
    """One do-not-call file's text; `env` gives the key of keyed entries."""
    out = Suppression(key=env.get(KEY_VARIABLE, "").encode())
    lines = text.splitlines()
    first = next((n for n, ln in enumerate(lines) if ln.strip() and not _comment(ln)), None)
    if first is not None and "phone" in [c.strip().lower() for c in lines[first].split(",")]:
        problems = _read_csv(lines, first, out)
    else:
        problems = _read_lines(enumerate(lines, start=1), out)
    if out.keyed_at:
        problems.extend(_key_problems(out))
    return out, problems


def _key_problems(out: Suppression) -> list[Problem]:
    """A keyed list is used only under the key it was made with: fail closed."""
    if not out.key:
        return [
            Problem(
                out.keyed_at,
                f"holds keyed entries, and {KEY_VARIABLE} is not set",
                f"set {KEY_VARIABLE} to the key the list was made with",
            )
        ]
    line, check = out.check
    if not check:
        return [
            Problem(
                out.keyed_at,
                "holds keyed entries and no key check",
                f"add the line {CHECK_PREFIX}<hex>, the HMAC-SHA256 of "
                f"{CHECK_TEXT.decode()} under the list's key; the README shows how",
            )
        ]
    if not hmac.compare_digest(check, key_check(out.key)):
        return [
            Problem(
                line,
                f"was made with another key than the one in {KEY_VARIABLE}",
                "set the key the list was made with: under another key it would suppress nobody",
            )
        ]
    return []


def _comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _read_lines(lines: Iterable[tuple[int, str]], out: Suppression) -> list[Problem]:
    problems: list[Problem] = []
    for n, raw in lines:
        entry = raw.split("#", 1)[0].strip()
        if entry:
            problem = _entry(entry, out, n)
            if problem is not None:
                problems.append(Problem(n, *problem))
    return problems


def _read_csv(lines: list[str], header_at: int, out: Suppression) -> list[Problem]:
    problems: list[Problem] = []
    header = [h.strip().lower() for h in next(csv.reader([lines[header_at]]))]
    at = header.index("phone")
    reader = csv.reader(io.StringIO("\n".join(lines[header_at + 1 :])))
    try:
        for row in reader:
            if not row or at >= len(row) or not row[at].strip() or _comment(row[0]):
                continue
            line = header_at + 1 + reader.line_num
            problem = _entry(row[at].strip(), out, line)
            if problem is not None:
                problems.append(Problem(line, *problem))
    except csv.Error:
        problems.append(
            Problem(header_at + 1 + reader.line_num, "is not valid CSV", "close every quote")
        )
    return problems


def _entry(entry: str, out: Suppression, line: int) -> tuple[str, str] | None:
    """Adds one entry to `out`, or says what is wrong with it (never quoting it whole)."""
    lowered = entry.lower()
    for prefix in (HMAC_PREFIX, CHECK_PREFIX):
        if lowered.startswith(prefix):
            value = lowered[len(prefix) :].strip()
            if not _HEX.fullmatch(value):
                return (
                    f"{prefix} is not followed by 64 hex digits",
                    f"write {prefix}<64 hex digits>",
                )
            if prefix == CHECK_PREFIX:
                out.check = (line, value)
            else:
                out.keyed_at = out.keyed_at or line
                out.keyed.add(value)
            return None
    if _HEX.fullmatch(lowered):
        out.digests.add(lowered)
        return None
    try:
        out.numbers.add(normalize(entry))
    except PhoneError as e:
        return str(e), e.hint + "; or write hmac-sha256:<hex> of it"
    return None
