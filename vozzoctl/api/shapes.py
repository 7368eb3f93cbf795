"""The answers that decide "this campaign does not exist", read strictly.

vozzoctl concludes that a campaign is absent from three list answers: campaigns by agent (and
its count), the generic campaign list, and a campaign's scheduled calls (an absent recipient
is sent in a new batch). An answer read wrongly there means a second campaign and people
called twice, so each page must be fully understood:

- rows where the docs put them, a list of objects, each a valid row;
- paging consistent: the page and size echoed as asked (or a size the page then keeps to),
  the rows served the number the page says (`min(size, total - start)`), and the rows read
  across pages, de-duplicated by id, equal to `total`;
- for an agent, the count endpoint's `total_campaigns` equal to the distinct campaigns read.

Anything else raises UnexpectedAnswerError: the endpoint, what was expected, what came (keys
and types, never values) and what to do. Unknown extra fields are fine.

The older shapes that vozzoctl still reads are listed in LEGACY_SHAPES, and nowhere else.
Pure: no httpx.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vozzoctl.errors import UnexpectedAnswerError
from vozzoctl.pii import mask_phones_in

# Every shape that differs from vozzo-api.md's current one and is still read, in one place.
LEGACY_SHAPES: tuple[str, ...] = (
    "items: rows under `scheduled_calls`, paged by `limit`/`offset` (the older draft)",
    "items: `call_state` for `status`, `attempt_count` for `attempts`, no `agent_language`",
    "items: `metadata` as an object instead of a JSON string",
    "create: 200 with `campaign_id` and `records` at the top level (the older draft)",
    "campaigns by agent: rows without `agent_id` (they belong to the agent asked for)",
    "campaigns by agent: `campaign_name` at the top level instead of in `campaign_config`",
    "auth/me: 404 (the key is checked with `GET /v1alpha/campaigns?limit=1` instead)",
)


@dataclass(frozen=True, slots=True)
class PageShape:
    """Where a list answer keeps its rows and how it pages."""

    rows: str
    style: str  # "page": page/page_size; "offset": limit/offset
    legacy: bool = False

    @property
    def expected(self) -> str:
        paging = "`page`, `page_size`" if self.style == "page" else "`limit`, `offset`"
        return f"rows under `{self.rows}` (a list of objects) with {paging} and `total` (integers)"


AGENT_PAGE = PageShape("campaigns", "page")
LIST_PAGE = PageShape("campaigns", "offset")
ITEM_PAGES = (PageShape("items", "page"), PageShape("scheduled_calls", "offset", legacy=True))

HINT = (
    "nothing was written. The service answers unlike vozzo-api.md, so vozzoctl cannot tell "
    "which campaigns or calls exist; `vozzoctl doctor` lists every difference (keys and types, "
    "no values): report what it prints"
)
CHANGED_HINT = (
    "nothing was written. The answers disagree: the account changed while it was read, or "
    "its lists lag behind new campaigns; run the command again in a few minutes, and if it "
    "persists, run `vozzoctl doctor` and report what it prints (keys and types, no values)"
)

_KEY = re.compile(r"[^A-Za-z0-9_.*\-+]")
_DIGITS = re.compile(r"[0-9]{7,}")  # a number used as a key is a value: never shown


def kind(value: Any) -> str:
    """A JSON value's type, as a message names it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def describe(value: Any) -> str:
    """What came: an object's keys and their types, never a value. Keys are the service's
    text, so they are cut short, reduced to plain characters and masked."""
    if not isinstance(value, dict):
        return f"a {kind(value)}" if value is not None else "null"
    if not value:
        return "an empty object"
    shown = []
    for key in sorted(value, key=str)[:12]:
        name = _DIGITS.sub("<digits>", _KEY.sub("?", mask_phones_in(str(key))))[:32]
        shown.append(f"{name} ({kind(value[key])})")
    more = f" and {len(value) - 12} more" if len(value) > 12 else ""
    return "an object with keys " + ", ".join(shown) + more


def unexpected(endpoint: str, expected: str, came: str, *, changed: bool = False) -> Exception:
    return UnexpectedAnswerError(
        f"{endpoint}: expected {expected}; got {came}",
        hint=CHANGED_HINT if changed else HINT,
        path=endpoint,
    )


def _int(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _echo(data: Mapping[str, Any], key: str, asked: int, endpoint: str) -> int:
    if key not in data:
        return asked
    value = _int(data, key)
    if value is None:
        raise unexpected(endpoint, f"`{key}` an integer", f"a {kind(data[key])}")
    return value


@dataclass(frozen=True, slots=True)
class Page:
    rows: tuple[dict[str, Any], ...]
    total: int
    size: int  # the page size the answer keeps to
    shape: PageShape


def read_page(
    data: Any,
    endpoint: str,
    shapes: tuple[PageShape, ...],
    *,
    size: int,
    page: int | None = None,
    offset: int | None = None,
) -> Page:
    """One page of a list answer, checked: raises UnexpectedAnswerError unless it is one of
    `shapes` with its paging consistent with what was asked (`page` or `offset`, `size`)."""
    expected = " or ".join(s.expected for s in shapes)
    if not isinstance(data, dict):
        raise unexpected(endpoint, expected, describe(data))
    shape = next((s for s in shapes if s.rows in data), None)
    if shape is None:
        raise unexpected(endpoint, expected, describe(data))
    rows = data[shape.rows]
    total = _int(data, "total")
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows) or total is None:
        raise unexpected(endpoint, shape.expected, describe(data))
    # The echoes of the paging asked for may be left out; when there, they must agree. The
    # service may keep to a smaller page size than asked, if it says so.
    echoed_size = _echo(data, "page_size" if shape.style == "page" else "limit", size, endpoint)
    if echoed_size < 1 or echoed_size > size:
        raise unexpected(endpoint, f"page size at most {size}, as asked", f"{echoed_size}")
    if shape.style == "page":
        asked = page or 1
        if _echo(data, "page", asked, endpoint) != asked:
            raise unexpected(endpoint, f"page {asked}, as asked", "another page")
        start = (asked - 1) * echoed_size
    else:
        # Paged by offset, the next offset is counted in the rows served, so a service that
        # keeps to a smaller size than asked loses nothing; the offset must be the one asked.
        start = offset or 0
        if _echo(data, "offset", start, endpoint) != start:
            raise unexpected(endpoint, f"offset {start}, as asked", "another offset")
    want = max(0, min(echoed_size, total - start))
    if len(rows) != want:
        raise unexpected(
            endpoint,
            f"{want} row(s) on this page (page size {echoed_size}, total {total})",
            f"{len(rows)} row(s)",
        )
    return Page(tuple(rows), total, echoed_size, shape)


def agent_count(data: Any, endpoint: str) -> int:
    """`total_campaigns` of the count endpoint, which must be there, a whole number."""
    expected = "an object with `total_campaigns` (an integer)"
    if not isinstance(data, dict):
        raise unexpected(endpoint, expected, describe(data))
    total = _int(data, "total_campaigns")
    if total is None:
        raise unexpected(endpoint, expected, describe(data))
    return total
