"""YAML documents with positions, read fast when that is safe and precisely when it is not.

Two readers, one meaning:

* The precise reader walks PyYAML's composed nodes (libyaml when present), keeping the line and
  column of every key and value, refusing duplicate keys, and naming YAML 1.1's traps instead of
  mis-reading them: an unquoted `010` (octal 8), `08`/`09`, `yes`/`no`/`on`/`off`, sexagesimal
  `1:30`, and impossible dates such as `2026-13-45`.
* The fast reader is yaml-rs (a YAML 1.2 parser in Rust, about 20x faster than libyaml through
  PyYAML on 100k recipients). It is used only when a scan of the text finds none of the plain
  scalars on which YAML 1.1 and 1.2 disagree, so both readers give the same values. The scan
  decides per scalar: `Scale Test 00042` or `R&D` inside a name keeps the file on the fast path,
  an `010` where a value starts does not. Positions for a fast-read file are computed by the
  precise reader only when a message must be located.

Anchors and aliases are read by both, and both bound how far aliases may expand: an alias bomb
is refused at once, located at its first alias.

A test (tests/manifest/test_yamlio.py) generates documents and checks both readers agree.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import yaml

from vozzoctl.manifest.diagnostics import Diagnostic, Severity
from vozzoctl.pii import mask_phone

try:  # libyaml's parser when PyYAML was built with it
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

FieldPath = tuple[str | int, ...]

_TAG = "tag:yaml.org,2002:"
_MAX_NODES = 5_000_000
_MAX_DEPTH = 64

# The fast reader is used only when YAML 1.1 and 1.2 cannot disagree on the text. Deciding that
# costs well under the parse itself: a few substring tests, one regex over the text, and a walk
# over the values yaml-rs returned, looking for values that a plain scalar of the other YAML
# version would have given differently. Over-matching only costs speed (the precise reader runs);
# under-matching would be a silent misreading, which tests/manifest/test_yamlio.py guards against.
# Each with a rare character of it that is searched for first: a newline is on every line.
_SLOW_LITERALS = (
    ("\t", "\t"), ("<", "<<"), ("%", "\n%"), ("...", "\n..."), ("?", "\n? "), ("?", "\n?\n"),
)  # fmt: skip
# Decided per scalar, not per file: a tag (!), or a plain scalar starting 010 (octal in 1.1),
# 08 / 09 (text in 1.1, numbers in 1.2), 0o17, 0x1f, 0b101 — where a node starts. The same
# characters inside a scalar (`Scale Test 00042`, `R&D!`) mean the same to both versions.
# The same as (?<![^\s\[\{,:?])(?:!|[-+]?0[0-9_box]), written to start with the characters it
# can start with, so that the regex engine skips to them rather than trying every position.
_NODE_SIGIL = re.compile(
    r"[-+!0](?<![^\s\[\{,:?][-+!0])(?:(?<=!)|(?<=[-+])0[0-9_box]|(?<=0)[0-9_box])",
    re.IGNORECASE,
)
# anchors (&a) and tags (!t) standing between a node's start and its scalar
_PROPERTIES_TAIL = re.compile(r"(?:(?<=\s)|^)(?:[&!]\S*\s+)+$")
_LOOK_BACK = 256
# Aliases are expanded by both readers, each within a bound: events yaml-rs may replay, and
# values the precise reader may visit again through an alias.
_MAX_REPLAYED_EVENTS = 250_000
_MAX_REPLAYED_VALUES = 100_000
_PLAIN_BOOL = re.compile(
    r"(?<![^\s\[\{,:?])(?:yes|no|on|off)(?=[ \t]*(?:$|\#|,|\]|\}|:(?:\s|$)))",
    re.IGNORECASE | re.MULTILINE,
)
_EXPONENT = re.compile(r"[0-9.][eE][-+]?[0-9]")
# numbers yaml-rs reads and YAML 1.1 does not: _1, -_1, _1.5, -.5, +.5, ._5 (YAML 1.1: text)
_ODD_NUMBER = re.compile(r"(?<![^\s\[\{,:?])(?:[-+]?_|[-+]\.|\._)[0-9_.]")
_BOOL_WORDS = frozenset({"yes", "no", "on", "off"})
# text values that a YAML 1.1 plain scalar would have read as a number or a date
_NUMBERISH = re.compile(
    r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?"  # 1:30
    r"|[-+]?[0-9][0-9_]*_[0-9_]*(?:\.[0-9_]*)?"  # 1_000
    r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt \t].*)?"  # dates: real YYYY-MM-DD ones agree
)
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
# Every text _NUMBERISH matches holds one of these; a file without them needs no check per string.
_NUMBERISH_PART = re.compile(r"[0-9_]:[0-9]|[0-9]_|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}[Tt \t]?")

_DIGITS_AS_NINE = str.maketrans("012345678", "999999999")

_DOC_START = re.compile(r"^---(?:[ \t]|$)", re.MULTILINE)
_CONTENT_LINE = re.compile(r"^(?![ \t]*(?:#|%|$)).", re.MULTILINE)


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
        precise = read_precise(self.display, self.text)
        for mine, theirs in zip(self.documents, precise.documents, strict=False):
            mine.positions = theirs.positions
            mine.key_positions = theirs.key_positions
            mine.line = theirs.line
        for doc in self.documents[len(precise.documents) :]:
            doc.positions, doc.key_positions = {}, {}


def read_yaml(display: str, text: str) -> YamlFile:
    """Read every document of a file, fast when that cannot change the meaning."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if text.startswith(("%", "...", "? ")) or any(
        rare in text and lit in text for rare, lit in _SLOW_LITERALS
    ):
        return read_precise(display, text)
    if any(_starts_node(text, m.start()) for m in _NODE_SIGIL.finditer(text)):
        return read_precise(display, text)
    fast = _read_fast(display, text)
    return fast if fast is not None else read_precise(display, text)


def _starts_node(text: str, pos: int) -> bool:
    """Whether `pos` may be where a node starts (after `key:`, `- `, `[`, `{`, `,`, `?`, at a
    line's start, or after an anchor or tag), so that a plain scalar would begin there. Errs
    towards yes: that costs speed only."""
    low = max(0, pos - _LOOK_BACK)
    before = text[max(text.rfind("\n", low, pos) + 1, low) : pos]
    rest = _PROPERTIES_TAIL.sub("", before).rstrip()
    return not rest or rest[-1] in "-:[{,?"


def _alias_line(text: str) -> int:
    """The line of the first alias (`*name` where a node starts), for the message."""
    for m in re.finditer(r"(?<![^\s\[\{,:?])\*[^\s,\]\}]", text):
        if _starts_node(text, m.start()):
            return text.count("\n", 0, m.start()) + 1
    return 1


def _agrees(values: list[Any], text: str) -> bool:
    """Whether YAML 1.1 would read `text` as the same `values` yaml-rs (YAML 1.2) gave."""
    bool_words = floats = numbers = False
    stack: list[Any] = list(values)
    pop, push, extend = stack.pop, stack.append, stack.extend
    # only real dates (2026-12-01) in the text: no string can be one YAML 1.1 reads otherwise
    shape = text.translate(_DIGITS_AS_NINE)
    strings_agree = _no_numberish_part(text, shape)
    numberish = _NUMBERISH.fullmatch
    while stack:
        x = pop()
        kind = type(x)
        if kind is dict:
            for k, v in x.items():
                if type(k) is not str:
                    return False
                if strings_agree and type(v) is str:  # the common pair, without a step each
                    if (len(k) <= 3 and k.lower() in _BOOL_WORDS) or (
                        len(v) <= 3 and v.lower() in _BOOL_WORDS
                    ):
                        bool_words = True
                    continue
                push(k)
                push(v)
        elif kind is str:
            if len(x) <= 3 and x.lower() in _BOOL_WORDS:
                bool_words = True
            elif not strings_agree and len(x) <= 40 and numberish(x) and not _is_iso_date(x):
                return False
        elif kind is list:
            extend(x)
        elif kind is float:
            floats = numbers = True
        elif kind is int:
            numbers = True
    if bool_words and _PLAIN_BOOL.search(text):
        return False
    if numbers and _may_hold_odd_number(text, shape) and _ODD_NUMBER.search(text):
        return False
    return not (floats and _EXPONENT.search(text))


def _no_numberish_part(text: str, shape: str) -> bool:
    """Whether no `_NUMBERISH_PART` stands in the text but real dates: found with substring
    searches of `shape` (the text with every digit made 9), not a regex over every digit."""
    if "9:9" in shape or "_:9" in shape or "9_" in shape:
        return False
    at = shape.find("9999-")
    while at != -1:
        m = _NUMBERISH_PART.match(text, at)
        if m is not None and not _is_iso_date(m[0]):
            return False
        at = shape.find("9999-", at + 1)
    return True


def _may_hold_odd_number(text: str, shape: str) -> bool:
    """False only when `_ODD_NUMBER` cannot match: none of the pairs it starts with occurs."""
    return any(pair in shape for pair in ("_9", "__", "_.", "-.", "+.", "._"))


def _is_iso_date(text: str) -> bool:
    m = _ISO_DATE.fullmatch(text)
    if m is None:
        return False
    try:
        dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return False
    return True


def _read_fast(display: str, text: str) -> YamlFile | None:
    import yaml_rs

    limits = yaml_rs.AliasLimits(max_total_replayed_events=_MAX_REPLAYED_EVENTS)
    try:
        loaded = yaml_rs.loads(text, parse_datetime=False, alias_limits=limits)
    except Exception as e:  # any other refusal: the precise reader will locate and word it
        if "alias" in str(e) and "limit" in str(e):
            out = YamlFile(display, text)
            out.diagnostics.append(_bomb(display, _alias_line(text)))
            return out
        return None
    if isinstance(loaded, list):
        markers = len(_DOC_START.findall(text))
        first = _DOC_START.search(text)
        before = text[: first.start()] if first else text
        count = markers + (1 if _CONTENT_LINE.search(before) else 0)
        if count < 2 or count != len(loaded) or not all(isinstance(d, dict | None) for d in loaded):
            return None
        values: list[Any] = loaded
    elif isinstance(loaded, dict) or loaded is None:
        values = [loaded]
    else:
        return None
    if not _agrees(values, text):
        return None
    out = YamlFile(display, text, fast=True)
    out.documents = [Document(out, i, v) for i, v in enumerate(values)]
    if len(values) > 1:  # each document's first line, as the precise reader would give it
        starts = [0] if _CONTENT_LINE.search(text[: first.start()] if first else text) else []
        starts += [m.end() for m in _DOC_START.finditer(text)]
        line, counted = 1, 0  # lines counted from where the last document began, not from 0
        for doc, at in zip(out.documents, starts, strict=False):
            content = _CONTENT_LINE.search(text, at)
            end = content.start() if content else at
            if end >= counted:
                line += text.count("\n", counted, end)
            else:  # an empty document: its first content is a later one's
                line = text.count("\n", 0, end) + 1
            counted = end
            doc.line = line
    return out


def _bomb(display: str, line: int) -> Diagnostic:
    return Diagnostic(
        Severity.ERROR,
        display,
        line,
        1,
        "",
        "invalid YAML: aliases here expand to too many values (an alias bomb?)",
        "write the values out, or refer to each anchor from fewer places",
    )


def read_precise(display: str, text: str) -> YamlFile:
    """PyYAML's nodes walked into values, with every position kept and every trap named."""
    if text.startswith("\ufeff"):
        text = text[1:]
    out = YamlFile(display, text)
    loader = _Loader(text)
    try:
        index = 0
        while loader.check_node():
            node = loader.get_node()
            doc = Document(out, index, None, positions={}, key_positions={})
            if node is not None:
                doc.line = node.start_mark.line + 1
                doc.data = _Walker(loader, doc, out.diagnostics).value(node, ())
            out.documents.append(doc)
            index += 1
    except _Replayed:
        out.diagnostics.append(_bomb(display, _alias_line(text)))
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problem = (e.problem or e.context or "invalid YAML").strip()
        hint = _yaml_hint(problem, e.context or "", e.context_mark)
        out.diagnostics.append(
            Diagnostic(Severity.ERROR, display, line, col, "", f"invalid YAML: {problem}", hint)
        )
    except yaml.YAMLError as e:  # reader errors (control characters, bad encoding)
        out.diagnostics.append(
            Diagnostic(Severity.ERROR, display, 0, 0, "", f"invalid YAML: {_first_line(e)}")
        )
    finally:
        loader.dispose()
    return out


def _yaml_hint(problem: str, context: str, opened: yaml.Mark | None) -> str:
    if "'\\t'" in problem or "\\t" in problem or "tab character" in problem:
        return "YAML indents with spaces only: replace the tab with spaces"
    if "mapping values are not allowed" in problem:
        return "a value holding ': ' must be quoted"
    flow = {"flow mapping": "{ ... }", "flow sequence": "[ ... ]"}
    for kind, pair in flow.items():
        if kind in context and opened is not None:
            return (
                f"the {pair[0]} at line {opened.line + 1}, column {opened.column + 1} "
                f"is not closed: end it with {pair[-1]}, or quote a value holding {pair[0]}"
            )
    return ""


def _first_line(e: Exception) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


class _Replayed(Exception):
    """Aliases expanded past the bound."""


class _Walker:
    """Turns one document's nodes into Python values, recording positions and traps."""

    def __init__(self, loader: Any, doc: Document, diagnostics: list[Diagnostic]) -> None:
        self.loader = loader
        self.doc = doc
        self.diagnostics = diagnostics
        self.count = 0
        self.stack: set[int] = set()
        self.walked: set[int] = set()  # collections already turned into values once
        self.replaying = 0  # how deep inside an alias's second (or later) expansion
        self.replayed = 0

    def error(self, node: yaml.Node, path: FieldPath, message: str, hint: str = "") -> None:
        m = node.start_mark
        self.doc.trapped.add(path)
        self.diagnostics.append(
            Diagnostic(
                Severity.ERROR,
                self.doc.source.display,
                m.line + 1,
                m.column + 1,
                dotted(path),
                message,
                hint,
            )
        )

    def value(self, node: yaml.Node, path: FieldPath) -> Any:
        self.count += 1
        if self.replaying:
            self.replayed += 1
            if self.replayed > _MAX_REPLAYED_VALUES:
                raise _Replayed
        if self.count > _MAX_NODES or len(path) > _MAX_DEPTH:
            raise yaml.MarkedYAMLError(
                problem="too many nested or repeated values (an alias bomb?)",
                problem_mark=node.start_mark,
            )
        assert self.doc.positions is not None
        self.doc.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, path)
        if id(node) in self.stack:
            raise yaml.MarkedYAMLError(
                problem="an alias refers to itself", problem_mark=node.start_mark
            )
        self.stack.add(id(node))
        again = id(node) in self.walked
        self.replaying += again
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.value(item, (*path, i)) for i, item in enumerate(node.value)]
            if isinstance(node, yaml.MappingNode):
                return self.mapping(node, path)
        finally:
            self.stack.discard(id(node))
            self.replaying -= again
            self.walked.add(id(node))
        raise AssertionError(f"unknown node {node!r}")  # pragma: no cover

    def mapping(self, node: yaml.MappingNode, path: FieldPath) -> dict[Any, Any]:
        # YAML merge keys (<<): PyYAML puts the merged pairs first; a key of the mapping's own
        # (or of a later merge) then overrides them, as YAML specifies, and is no duplicate.
        own = sum(1 for k, _ in node.value if k.tag != _TAG + "merge")
        self.loader.flatten_mapping(node)
        merged = len(node.value) - own
        out: dict[Any, Any] = {}
        first_seen: dict[Any, int] = {}
        overridable: set[Any] = set()
        assert self.doc.key_positions is not None
        for n, (key_node, value_node) in enumerate(node.value):
            if not isinstance(key_node, yaml.ScalarNode):
                self.error(key_node, path, "a key must be a plain name, not a list or mapping")
                continue
            key = self.scalar(key_node, path)
            if isinstance(key, dt.date | list | dict) or key is None:
                key = key_node.value
            child = (*path, key if isinstance(key, str | int) else str(key))
            if key in overridable and key in first_seen:
                del first_seen[key]
            if n < merged:
                overridable.add(key)
            else:
                overridable.discard(key)
            if key in first_seen:
                self.error(
                    key_node,
                    child,
                    f"duplicate key {key_node.value!r} (first at line {first_seen[key]})",
                    "keep one of them",
                )
                continue
            first_seen[key] = key_node.start_mark.line + 1
            self.doc.key_positions[child] = (
                key_node.start_mark.line + 1,
                key_node.start_mark.column + 1,
            )
            out[key] = self.value(value_node, child)
        return out

    def scalar(self, node: yaml.ScalarNode, path: FieldPath) -> Any:
        tag, text = node.tag, node.value
        plain = not node.style  # libyaml gives '' for plain, PyYAML None
        if tag == _TAG + "str":
            if plain and re.fullmatch(r"[-+]?0[0-9_]+", text):
                number = int(text.replace("_", ""))
                if _phone_like(text):
                    self.error(
                        node,
                        path,
                        f"{mask_phone(text)} is read as text by YAML 1.1 and as a number by "
                        "YAML 1.2",
                        "quote it; a phone number is written with + and the country code",
                    )
                else:
                    self.error(
                        node,
                        path,
                        f"{text} is read as text by YAML 1.1 and as the number {number} by "
                        "YAML 1.2",
                        f'quote it ("{text}") or write {number}',
                    )
            return text
        if tag == _TAG + "null":
            return None
        if tag == _TAG + "value":  # a plain `=`: text in YAML 1.2, and to anyone reading it
            return text
        if tag == _TAG + "bool":
            if text.lower() not in ("true", "false"):
                self.error(
                    node,
                    path,
                    f"{text} is read by YAML 1.1 as the boolean "
                    f"{str(self.loader.construct_yaml_bool(node)).lower()}",
                    f'write true or false for a yes/no setting, or quote it ("{text}") for text',
                )
                return text
            return text.lower() == "true"
        if tag == _TAG + "int":
            digits = text.lstrip("+-").replace("_", "")
            if ":" in text or (len(digits) > 1 and digits[0] == "0" and digits[1].isdigit()):
                value = self.loader.construct_yaml_int(node)
                kind = "base-60 number" if ":" in text else "octal number"
                if _phone_like(text):
                    self.error(
                        node,
                        path,
                        f"{mask_phone(text)} is read by YAML 1.1 as an {kind}",
                        "quote it; a phone number is written with + and the country code",
                    )
                    return text
                self.error(
                    node,
                    path,
                    f"{text} is read by YAML 1.1 as the {kind} {value}",
                    f'quote it ("{text}"), or write the number without leading zeros',
                )
                return text
            return self.loader.construct_yaml_int(node)
        if tag == _TAG + "float":
            if ":" in text:
                self.error(
                    node, path, f"{text} is read by YAML 1.1 as a base-60 number", "quote it"
                )
                return text
            return self.loader.construct_yaml_float(node)
        if tag == _TAG + "timestamp":
            # Dates stay text, as written, in both readers (yaml-rs reads even a quoted date as a
            # date); fields that want a date parse it, and metadata sends it as written.
            try:
                self.loader.construct_yaml_timestamp(node)
                return text
            except ValueError:
                self.error(
                    node,
                    path,
                    f"{text} is not a real date",
                    "write a date that exists, as YYYY-MM-DD; quote it if it is text",
                )
                return text
        self.error(
            node,
            path,
            f"the YAML tag {tag} is not supported here",
            "remove the tag; write the value plainly",
        )
        return text


def _phone_like(text: str) -> bool:
    """Long enough to be someone's phone number: shown masked, never as written."""
    return sum(c.isdigit() for c in text) >= 7


def dotted(path: FieldPath) -> str:
    """`("spec", "recipients", 3, "phone")` → `spec.recipients[3].phone`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out
