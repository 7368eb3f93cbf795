"""The fast reader: yaml-rs (YAML 1.2, in Rust), used only where YAML 1.1 would read the same.

Deciding that costs well under the parse itself. Before the parse, `needs_precise` looks for
what only the precise reader handles (tabs, merge keys, directives, tags) and for plain
scalars where a node starts that the two versions read differently (`010`, `08`, `0o17`,
`0b101`). After it, `read_fast` walks the values yaml-rs returned for ones that a plain scalar
of YAML 1.1 would have given otherwise (yes/no/on/off, 1:30, 1_000, odd numbers).
Over-matching only costs speed (the precise reader runs); under-matching would be a silent
misreading, which tests/manifest/test_yamlio.py guards against.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from vozzoctl.manifest.yamldoc import Document, YamlFile, alias_bomb, starts_node

# Each with a rare character of it that is searched for first: a newline is on every line.
_SLOW_LITERALS = (
    ("\t", "\t"), ("<", "<<"), ("%", "\n%"), ("...", "\n..."), ("?", "\n? "), ("?", "\n?\n"),
)  # fmt: skip
# Decided per scalar, not per file: a tag (!), or a plain scalar starting 010 (octal in 1.1),
# 08 / 09 (text in 1.1, numbers in 1.2), 0o17, 0x1f, 0b101 — where a node starts. The same
# characters inside a scalar (`Scale Test 00042`, `R&D!`) mean the same to both versions.
# The same as (?<![^\s\[\{,:?])(?:!|[-+]?0[0-9_box]), as four patterns that each start with a
# literal, so that the regex engine searches for it rather than trying every position: a
# third of the time of one pattern starting with a class of characters.
_NODE_SIGILS = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"!(?<![^\s\[\{,:?]!)",
        r"0(?<![^\s\[\{,:?]0)[0-9_box]",
        r"-0(?<![^\s\[\{,:?]-0)[0-9_box]",
        r"\+0(?<![^\s\[\{,:?]\+0)[0-9_box]",
    )
)
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
_ASCII_DIGITS_AS_NINE = bytes.maketrans(b"012345678", b"999999999")

# `^---(?:[ \t]|$)`, written to start with its literal so that the regex engine searches for it
# rather than trying every line start (12 times faster on a file of 10,000 documents)
_DOC_START = re.compile(r"---(?<=^---)(?:[ \t]|$)", re.MULTILINE)
_CONTENT_LINE = re.compile(r"^(?![ \t]*(?:#|%|$)).", re.MULTILINE)
# Events yaml-rs may replay through aliases (the precise reader has its own bound).
_MAX_REPLAYED_EVENTS = 250_000


def needs_precise(text: str) -> bool:
    """Whether the text holds something only the precise reader reads as YAML 1.1 would."""
    if text.startswith(("%", "...", "? ")) or any(
        rare in text and lit in text for rare, lit in _SLOW_LITERALS
    ):
        return True
    return any(starts_node(text, m.start()) for p in _NODE_SIGILS for m in p.finditer(text))


def read_fast(display: str, text: str) -> YamlFile | None:
    """The file read by yaml-rs, or None when YAML 1.1 could read it otherwise (or yaml-rs
    refuses it: the precise reader then words the problem)."""
    import yaml_rs

    limits = yaml_rs.AliasLimits(max_total_replayed_events=_MAX_REPLAYED_EVENTS)
    try:
        loaded = yaml_rs.loads(text, parse_datetime=False, alias_limits=limits)
    except Exception as e:  # any other refusal: the precise reader will locate and word it
        if "alias" in str(e) and "limit" in str(e):
            out = YamlFile(display, text)
            out.diagnostics.append(alias_bomb(display, text))
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


def _agrees(values: list[Any], text: str) -> bool:
    """Whether YAML 1.1 would read `text` as the same `values` yaml-rs (YAML 1.2) gave."""
    bool_words = floats = numbers = False
    stack: list[Any] = list(values)
    pop, push, extend = stack.pop, stack.append, stack.extend
    # only real dates (2026-12-01) in the text: no string can be one YAML 1.1 reads otherwise
    shape = _digits_as_nine(text)
    strings_agree = _no_numberish_part(text, shape)
    numberish = _NUMBERISH.fullmatch
    while stack:
        x = pop()
        kind = type(x)
        if kind is dict:
            for k, v in x.items():
                if type(k) is not str:
                    return False
                if not strings_agree:  # every string is looked at below, keys too
                    push(k)
                    push(v)
                    continue
                # the common case, without a step of the loop for a key or a string value
                if len(k) <= 3 and k.lower() in _BOOL_WORDS:
                    bool_words = True
                of = type(v)
                if of is str:
                    if len(v) <= 3 and v.lower() in _BOOL_WORDS:
                        bool_words = True
                elif of is dict or of is list:
                    push(v)
                elif of is int:
                    numbers = True
                elif of is float:
                    floats = numbers = True
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


def _digits_as_nine(text: str) -> str:
    """The text with every digit 0-8 made 9, character for character: through bytes when the
    text is ASCII (str.translate looks each character up in a mapping)."""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_DIGITS_AS_NINE).decode("ascii")
    return text.translate(_DIGITS_AS_NINE)


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
