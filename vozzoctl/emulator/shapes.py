"""Answer shapes: the emulator answers as the real service might differ from vozzo-api.md.

The docs only assume the shapes of several answers vozzoctl decides absence from. Each shape
below makes the emulator answer one way they could differ, so that tests, demos and users'
own CI can see vozzoctl refuse (`vozzoctl emulator serve --shape NAME --list-lag SECONDS`,
`create_app(shapes=[...], list_lag=...)`, or `app.emulator.shapes = {...}` between calls).

The campaigns stored are never changed: only what the read answers say.
"""

from __future__ import annotations

import re
from typing import Any

SHAPES: dict[str, str] = {
    "rows-under-data": "the campaign list and campaigns-by-agent keep their rows under `data` "
    "and their paging under `pagination`",
    "by-agent-missing": "campaigns-by-agent answers 404 for every agent (the count still counts)",
    "capped-pages": "list answers serve at most 20 rows a page while echoing the size asked",
    "count-off": "the count endpoint says one campaign more than the lists hold",
    "item-rows-renamed": "scheduled-call rows name their fields `id` and `phone_number`",
}
CAPPED_PAGE = 20

_LIST = re.compile(r"^/v1alpha/campaigns/?$")
_BY_AGENT = re.compile(r"^/v1alpha/campaigns/agent/[^/]+/?$")
_COUNT = re.compile(r"^/v1alpha/campaigns/agent/[^/]+/count/?$")
_ITEMS = re.compile(r"^/v1alpha/campaign/[^/]+/items/?$")


def check(shapes: Any) -> frozenset[str]:
    """The shape names given, checked (ValueError names the unknown ones)."""
    chosen = frozenset(str(s) for s in shapes or ())
    unknown = sorted(chosen - SHAPES.keys())
    if unknown:
        raise ValueError(
            f"unknown answer shape(s) {', '.join(unknown)}; known: {', '.join(sorted(SHAPES))}"
        )
    return chosen


def missing(shapes: frozenset[str], method: str, path: str) -> bool:
    """Whether the request is answered 404 instead (`by-agent-missing`)."""
    return "by-agent-missing" in shapes and method == "GET" and bool(_BY_AGENT.match(path))


def touches(shapes: frozenset[str], method: str, path: str) -> bool:
    """Whether an answer to this request may be reshaped (and so must be buffered)."""
    if not shapes or method != "GET":
        return False
    return any(p.match(path) for p in (_LIST, _BY_AGENT, _COUNT, _ITEMS))


def reshape(shapes: frozenset[str], path: str, payload: Any) -> Any:
    """A 200 answer's JSON as the chosen shapes make it."""
    if not isinstance(payload, dict):
        return payload
    out = dict(payload)
    if _COUNT.match(path):
        if "count-off" in shapes and isinstance(out.get("total_campaigns"), int):
            out["total_campaigns"] += 1
        return out
    rows_key = "items" if _ITEMS.match(path) else "campaigns"
    if rows_key not in out or not isinstance(out[rows_key], list):
        return out  # the older draft's items, or an answer these shapes leave alone
    if "capped-pages" in shapes:
        out[rows_key] = out[rows_key][:CAPPED_PAGE]
    if rows_key == "items" and "item-rows-renamed" in shapes:
        out["items"] = [_renamed(r) for r in out["items"]]
    if rows_key == "campaigns" and "rows-under-data" in shapes:
        rows = out.pop("campaigns")
        paging = {
            k: out.pop(k) for k in ("page", "page_size", "limit", "offset", "total") if k in out
        }
        out["data"] = rows
        out["pagination"] = paging
    return out


def _renamed(row: Any) -> Any:
    if not isinstance(row, dict):
        return row
    names = {"scheduled_item_id": "id", "to_phone_number": "phone_number"}
    return {names.get(k, k): v for k, v in row.items()}
