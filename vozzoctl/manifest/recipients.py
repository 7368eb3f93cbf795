"""Recipients from a manifest's inline list and its CSV files, normalised and de-duplicated.

One loop per source, no model object per row: a campaign may hold a million recipients.
A recipient's metadata is the campaign's metadata with the recipient's own over it, sent as
compact JSON with sorted keys, so the same data always gives the same text and fingerprint.
"""

from __future__ import annotations

import functools
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, Protocol

from vozzoctl.csvcells import FORMULA_START, unescape_cell
from vozzoctl.manifest import csvread, fields
from vozzoctl.manifest.diagnostics import suggest
from vozzoctl.manifest.phones import PhoneError, normalize
from vozzoctl.model import LANGUAGES, Recipient
from vozzoctl.pii import mask_phone

_LANG = {code.lower(): code for code in LANGUAGES} | {code: code for code in LANGUAGES}
_encode_str: Callable[[str], str] = json.encoder.encode_basestring
_ALLOWED_INLINE = ("phone", "language", "metadata")
_QUOTED_CELL = FORMULA_START | {"'"}


@dataclass(frozen=True, slots=True)
class Where:
    """Where a recipient was declared: an inline item (index) or a CSV file's line."""

    file: str
    line: int = 0
    col: int = 0
    index: int = -1  # inline: position in spec.recipients; CSV: -1

    def itself(self) -> Where:
        return self


Report = Callable[[Where, str, str, str], None]  # where, field, message, hint


class Collector:
    """Gathers one campaign's recipients from all its sources, reporting each problem."""

    def __init__(
        self, language: str, metadata: dict[str, Any], report: Report, locate: LocateInline
    ) -> None:
        self.language = language
        self.base = metadata
        self._report = report
        self.failed = False
        self.locate = locate
        self.first: dict[str, Where | int] = {}  # int: the index of an inline recipient
        self._twice: dict[str, str] = {}  # a repeated number → its message
        self.recipients: list[Recipient] = []
        self._base_plain = _is_plain(metadata)
        # A folder's campaigns mostly share their metadata (from a Defaults): written once.
        self._base_json = (
            _plain_json_of(tuple(metadata.items())) if self._base_plain else _canonical(metadata)
        )

    def report(self, where: Where, field: str, message: str, hint: str) -> None:
        self.failed = True
        self._report(where, field, message, hint)

    def add_inline(self, items: Any) -> None:
        if items is None:
            return
        if not isinstance(items, list):
            self.report(self.locate(-1, ""), "", "must be a list", "write - phone: ...")
            return
        campaigns = (self.language, self._base_json)  # a number alone takes the campaign's
        first, append = self.first, self.recipients.append
        for i, item in enumerate(items):
            # The common shapes, without a closure or a record per item: a number alone, or with
            # its own language and metadata written plainly. Anything else, `_inline` checks.
            if type(item) is dict and type(phone := item.get("phone")) is str:
                own = campaigns if len(item) == 1 else self._plainly(item)
                if own is not None:
                    try:
                        number = normalize(phone)
                    except PhoneError as e:
                        self.report(self.locate(i, "phone"), "phone", str(e), e.hint)
                        continue
                    if number not in first:
                        first[number] = i
                        append(Recipient(number, own[0], own[1]))
                        continue
            self._inline(i, item)

    def _plainly(self, item: dict[str, Any]) -> tuple[str, str] | None:
        """An item's language and metadata JSON when its own are written plainly (a language
        code as the API or in lower case; metadata of text and whole numbers) and it has no
        other field; else None, and `_inline` checks it as it would any item."""
        language, meta_json = self.language, self._base_json
        fields_left = len(item) - 1  # besides the phone
        if (code := item.get("language")) is not None:
            known = _LANG.get(code) if type(code) is str else None
            if known is None:
                return None
            language = known
            fields_left -= 1
        if (own := item.get("metadata")) is not None:
            if type(own) is not dict:
                return None
            for k, v in own.items():
                if type(k) is not str or (type(v) is not str and type(v) is not int):
                    return None
            if own:
                merged = {**self.base, **own}
                meta_json = _plain_json(merged) if self._base_plain else _canonical(merged)
            fields_left -= 1
        return (language, meta_json) if fields_left == 0 else None

    def _inline(self, i: int, item: Any) -> None:
        if not isinstance(item, dict):
            self.report(
                self.locate(i, ""), "", "must be a mapping", 'write - phone: "+911234567890"'
            )
            return
        for k in item:
            if k not in _ALLOWED_INLINE:
                self.report(
                    self.locate(i, str(k), key=True),
                    str(k),
                    "unknown field",
                    suggest(str(k), list(_ALLOWED_INLINE)),
                )
                return
        phone = item.get("phone")
        if phone is None:
            self.report(self.locate(i, ""), "phone", "is required", 'e.g. phone: "+911234567890"')
            return
        if isinstance(phone, list | dict):
            kind = "a list" if isinstance(phone, list) else "a mapping"
            self.report(
                self.locate(i, "phone"),
                "phone",
                f"is {kind}; a recipient has one phone number",
                'write one number as text, e.g. phone: "+911234567890"; list each person '
                "as a recipient of their own",
            )
            return
        if not isinstance(phone, str):
            self.report(
                self.locate(i, "phone"),
                "phone",
                f"{fields.shown(phone)} is read as a number, not text",
                'quote it, with + and the country code: "+911234567890"',
            )
            return
        language = self.language
        if item.get("language") is not None:
            try:
                language = fields.language(item["language"])
            except ValueError as e:
                self.report(self.locate(i, "language"), "language", str(e), _hint(e))
                return
        meta_json = self._base_json
        if item.get("metadata") is not None:
            try:
                own = fields.metadata(item["metadata"])
            except ValueError as e:
                self.report(self.locate(i, "metadata"), "metadata", str(e), _hint(e))
                return
            meta_json = _canonical({**self.base, **own}) if own else self._base_json
        self._add(Where("", index=i), phone, language, meta_json, lambda: self.locate(i, "phone"))

    def add_csv(self, handle: BinaryIO, display: str) -> None:
        text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
        try:
            csvread.refuse_nul(handle)
            self._csv(csvread.rows(text), display)
        except csvread.CsvProblem as e:
            self.report(Where(display, e.line), "", str(e), e.hint)
        except UnicodeDecodeError:
            handle.seek(0)
            self.report(
                Where(display, _first_bad_line(handle.read())),
                "",
                "is not UTF-8 text",
                "save the CSV as UTF-8",
            )
        finally:
            text.detach()

    def _csv(self, rows: Iterator[tuple[int, list[str]]], display: str) -> None:
        first = next(rows, None)
        if first is None:
            self.report(Where(display, 1), "", "is empty", "the first row names the columns")
            return
        names = [h.strip() for h in first[1]]
        problem = csvread.header_problem(names)
        if problem is not None:
            self.report(Where(display, first[0]), "", *problem)
            return
        lowered = [n.lower() for n in names]
        phone_at = lowered.index("phone")
        lang_at = lowered.index("language") if "language" in lowered else -1
        meta_cols = [(n, name) for n, name in enumerate(names) if n not in (phone_at, lang_at)]
        width = len(names)
        base_json = self._base_json
        plan = _metadata_plan(self.base, meta_cols)
        encode = _encode_str
        add = self._add
        count = 0
        for line, row in rows:
            count += 1
            if len(row) != width:
                self.report(
                    Where(display, line),
                    "",
                    f"has {len(row)} cells; the header has {width}",
                    "quote cells that hold commas",
                )
                continue
            language = self.language
            if lang_at >= 0 and row[lang_at].strip():
                language = _LANG.get(row[lang_at].strip()) or _LANG.get(
                    row[lang_at].strip().lower(), ""
                )
                if not language:
                    self.report(
                        Where(display, line),
                        "language",
                        "is not a supported language code",  # a cell is never quoted
                        f"one of {' '.join(LANGUAGES)}",
                    )
                    continue
            if plan:
                parts = []
                for prefix, n, fallback in plan:
                    cell = row[n] if n >= 0 else ""
                    if cell != "":
                        if cell[0] == "'" and cell[1:2] in _QUOTED_CELL:  # see csvcells
                            cell = unescape_cell(cell)
                        parts.append(prefix + encode(cell))
                    elif fallback is not None:
                        parts.append(prefix + fallback)
                meta_json = "{" + ",".join(parts) + "}"
            else:
                meta_json = base_json
            where = Where(display, line)
            add(where, row[phone_at], language, meta_json, where.itself)
        if not count:
            self.report(
                Where(display, first[0]),
                "",
                "has a header row and no recipients",
                "add one recipient a row below the header, or remove the file from "
                "spec.recipient_files",
            )

    def _add(
        self,
        where: Where,
        raw: str,
        language: str,
        metadata: str,
        located: Callable[[], Where],
    ) -> None:
        try:
            phone = normalize(raw)
        except PhoneError as e:
            self.report(located(), "phone", str(e), e.hint)
            return
        first = self.first.get(phone)
        if first is not None:
            message = self._twice.get(phone)
            if message is None:  # worded once however often the number is repeated
                there = self.describe(first)
                message = self._twice[phone] = (
                    f"{mask_phone(phone)} is listed twice in this campaign (first at {there})"
                )
            self.report(located(), "phone", message, "keep one of them")
            return
        self.first[phone] = where
        self.recipients.append(Recipient(phone, language, metadata))

    def describe(self, where: Where | int) -> str:
        index = where if isinstance(where, int) else where.index
        if index >= 0:
            w = self.locate(index, "phone")
            return f"{w.file}:{w.line}"
        assert isinstance(where, Where)
        return f"{where.file}:{where.line}"


class LocateInline(Protocol):
    """Resolves an inline recipient (index, field) to a file position, lazily."""

    def __call__(self, index: int, field: str, *, key: bool = False) -> Where: ...


def _metadata_plan(
    base: dict[str, Any], columns: list[tuple[int, str]]
) -> list[tuple[str, int, str | None]]:
    """How to write a CSV row's metadata as `_canonical({**base, **own})` does, without sorting
    or merging per row: per key in sorted order, its encoded `"key":`, the column that may give
    its value (-1: none) and the campaign's value, encoded, used when that cell is empty."""
    if not columns:
        return []
    column_of = {name: n for n, name in columns}
    plan: list[tuple[str, int, str | None]] = []
    for key in sorted(base.keys() | column_of.keys()):
        fallback = None
        if key in base:
            fallback = json.dumps(base[key], ensure_ascii=False)
        plan.append((_encode_str(key) + ":", column_of.get(key, -1), fallback))
    return plan


def _canonical(meta: dict[str, Any]) -> str:
    """`json.dumps(meta, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`."""
    if not meta:
        return "{}"
    if _is_plain(meta):
        return _plain_json(meta)
    return json.dumps(meta, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _is_plain(meta: dict[str, Any]) -> bool:
    """Whether every value is text or a whole number (not true/false): written by hand."""
    for v in meta.values():  # noqa: SIM110 - a loop: a third of all() over a generator
        if type(v) is not str and type(v) is not int:
            return False
    return True


@functools.lru_cache(maxsize=256)
def _plain_json_of(items: tuple[tuple[str, str | int], ...]) -> str:
    return _plain_json(dict(items)) if items else "{}"


def _plain_json(meta: dict[str, Any]) -> str:
    """`_canonical` of metadata whose values are all text or whole numbers, as json.dumps
    writes them, without the encoder's machinery (a call per recipient)."""
    enc = _encode_str
    pairs = [
        f"{enc(k)}:{enc(v) if type(v) is str else int.__repr__(v)}" for k, v in sorted(meta.items())
    ]
    return "{" + ",".join(pairs) + "}"


def _hint(e: ValueError) -> str:
    return str(getattr(e, "hint", ""))


def _first_bad_line(raw: bytes) -> int:
    try:
        raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        return raw[: e.start].count(b"\n") + 1
    return 0
