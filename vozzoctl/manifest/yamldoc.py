"""A YAML file read into documents: each document's value and where each of its parts stands
(line and column, for messages). Both readers make these: `yamlfast` (yaml-rs) and
`yamlprecise` (PyYAML's nodes); `yamlio.read_yaml` chooses between them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from vozzoctl.manifest.diagnostics import Diagnostic, Severity

FieldPath = tuple[str | int, ...]

# anchors (&a) and tags (!t) standing between a node's start and its scalar
_PROPERTIES_TAIL = re.compile(r"(?:(?<=\s)|^)(?:[&!]\S*\s+)+$")
_LOOK_BACK = 256


@dataclass
class Document:
    """One YAML document of a file: its value and where each of its parts stands."""

    source: YamlFile
    index: int
    data: Any
    line: int = 1
    positions: dict[FieldPath, tuple[int, int]] | None = None
    key_positions: dict[FieldPath, tuple[int, int]] | None = None
    trapped: set[FieldPath] = field(default_factory=set)

    def locate(self, path: FieldPath, *, key: bool = False) -> tuple[int, int]:
        """Line and column of the value (or the key) at `path`, or of its nearest parent."""
        if self.positions is None:
            self.source.locate_all()
        table = (self.key_positions if key else self.positions) or {}
        for cut in range(len(path), -1, -1):
            found = table.get(path[:cut])
            if found is None and key:
                found = (self.positions or {}).get(path[:cut])
            if found is not None:
                return found
        return (self.line, 1)


@dataclass
class YamlFile:
    """A manifest file read into documents, plus the problems found while reading it."""

    display: str
    text: str
    documents: list[Document] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    fast: bool = False

    @cached_property
    def has_references(self) -> bool:
        """Whether `${` stands anywhere in the text: searched once per file, not per document."""
        return "${" in self.text

    def locate_all(self) -> None:
        """Give a fast-read file its positions by reading it once more with the precise reader."""
        from vozzoctl.manifest.yamlprecise import read_precise  # which makes these documents

        precise = read_precise(self.display, self.text)
        for mine, theirs in zip(self.documents, precise.documents, strict=False):
            mine.positions = theirs.positions
            mine.key_positions = theirs.key_positions
            mine.line = theirs.line
        for doc in self.documents[len(precise.documents) :]:
            doc.positions, doc.key_positions = {}, {}


def starts_node(text: str, pos: int) -> bool:
    """Whether `pos` may be where a node starts (after `key:`, `- `, `[`, `{`, `,`, `?`, at a
    line's start, or after an anchor or tag), so that a plain scalar would begin there. Errs
    towards yes: that costs speed only."""
    low = max(0, pos - _LOOK_BACK)
    before = text[max(text.rfind("\n", low, pos) + 1, low) : pos]
    # anchors and tags taken off first: only where the line may hold one (`Test 0042` does not)
    rest = _PROPERTIES_TAIL.sub("", before) if "&" in before or "!" in before else before
    rest = rest.rstrip()
    return not rest or rest[-1] in "-:[{,?"


def _alias_line(text: str) -> int:
    """The line of the first alias (`*name` where a node starts), for the message."""
    for m in re.finditer(r"(?<![^\s\[\{,:?])\*[^\s,\]\}]", text):
        if starts_node(text, m.start()):
            return text.count("\n", 0, m.start()) + 1
    return 1


def alias_bomb(display: str, text: str) -> Diagnostic:
    """An alias bomb refused, located at its first alias."""
    return Diagnostic(
        Severity.ERROR,
        display,
        _alias_line(text),
        1,
        "",
        "invalid YAML: aliases here expand to too many values (an alias bomb?)",
        "write the values out, or refer to each anchor from fewer places",
    )


def dotted(path: FieldPath) -> str:
    """`("spec", "recipients", 3, "phone")` → `spec.recipients[3].phone`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out
