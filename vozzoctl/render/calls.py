"""`vozzoctl calls` as text and JSON; personal data hidden unless the user asked to see it.

Without --show-pii every phone-like string is masked (the number, ids, names, call-log
summaries; with or without `+`) and a call's metadata, which holds customers' details, is not
shown at all.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from vozzoctl.api import ScheduledItem, ScheduledItemDetail
from vozzoctl.pii import mask_phone, mask_phone_like_in
from vozzoctl.render.status import table_lines
from vozzoctl.status import CallRow, CallsPage


def _phone(number: str, show_pii: bool) -> str:
    return number if show_pii else mask_phone(number)


def _free(text: str, show_pii: bool) -> str:
    """Text from the API that may hold a number: ids, names, summaries."""
    return text if show_pii else mask_phone_like_in(text)


def _metadata(metadata: str, show_pii: bool) -> str | None:
    return metadata if show_pii else None


_HIDDEN = "hidden (--show-pii shows it)"


def _when(t: dt.datetime | None) -> str:
    if t is None:
        return "-"
    from vozzoctl.clock import IST

    return t.astimezone(IST).strftime("%Y-%m-%d %H:%M")


def _item_json(item: ScheduledItem, show_pii: bool) -> dict[str, Any]:
    return {
        "scheduled_item_id": _free(item.scheduled_item_id, show_pii),
        "to_phone_number": _phone(item.to_phone_number, show_pii),
        "agent_language": item.agent_language,
        "status": item.status,
        "attempts": item.attempts,
        "last_attempt_at": item.last_attempt_at.isoformat() if item.last_attempt_at else None,
        "next_attempt_at": item.next_attempt_at.isoformat() if item.next_attempt_at else None,
    }


def page_text(p: CallsPage, *, show_pii: bool) -> str:
    if not p.rows:
        if p.total == 0:
            return f"{p.key}: no scheduled calls."
        return f"{p.key}: page {p.page} is past the last page ({p.pages})."
    several = len({r.campaign_id for r in p.rows}) > 1 or any(
        r.campaign_name.rsplit(" #", 1)[-1].isdigit() for r in p.rows
    )
    headers = ["#", "ID", "PHONE", "LANG", "STATUS", "ATTEMPTS", "LAST ATTEMPT", "NEXT ATTEMPT"]
    if several:
        headers.append("CAMPAIGN")
    first = (p.page - 1) * p.page_size
    rows = []
    for n, r in enumerate(p.rows, start=first + 1):
        it = r.item
        row = [str(n), _free(it.scheduled_item_id, show_pii), _phone(it.to_phone_number, show_pii),
               it.agent_language or "-", it.status or "-",
               "-" if it.attempts is None else str(it.attempts),
               _when(it.last_attempt_at), _when(it.next_attempt_at)]  # fmt: skip
        if several:
            row.append(_free(r.campaign_name, show_pii))
        rows.append(row)
    lines = table_lines(headers, rows)
    last = first + len(p.rows)
    footer = f"{first + 1:,}-{last:,} of {p.total:,} calls, page {p.page} of {p.pages}"
    if p.page < p.pages:
        footer += f"; next: {p.listing} --page {p.page + 1}"
        if p.page_size != 20:
            footer += f" --page-size {p.page_size}"
    return "\n".join([*lines, footer])


def page_json(p: CallsPage, *, show_pii: bool) -> str:
    doc = {
        "format_version": 1,
        "key": p.key,
        "page": p.page,
        "page_size": p.page_size,
        "pages": p.pages,
        "total": p.total,
        "calls": [
            {
                **_item_json(r.item, show_pii),
                "campaign_id": r.campaign_id,
                "campaign_name": _free(r.campaign_name, show_pii),
            }
            for r in p.rows
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)


def _summary(text: str | None, show_pii: bool) -> str:
    if not text:
        return "-"
    return _free(" ".join(text.split()), show_pii)


def call_text(key: str, row: CallRow, d: ScheduledItemDetail, *, show_pii: bool) -> str:
    lines = [
        f"Call {_free(d.scheduled_item_id, show_pii)} of {key} "
        f"({_free(row.campaign_name, show_pii)}, {row.campaign_id})",
        f"  phone:         {_phone(d.to_phone_number, show_pii)}",
        f"  language:      {d.agent_language or '-'}",
        f"  status:        {d.status or '-'}",
        f"  attempts:      {'-' if d.attempts is None else d.attempts}",
        f"  last attempt:  {_when(d.last_attempt_at)}",
        f"  next attempt:  {_when(d.next_attempt_at)}",
        f"  metadata:      {d.metadata if show_pii else _HIDDEN}",
    ]
    if not d.call_logs:
        lines.append("No call logs yet.")
        return "\n".join(lines)
    lines.append("Call logs:")
    rows = [
        [
            "-" if log.attempt is None else str(log.attempt),
            _when(log.started_at),
            "-" if log.duration_seconds is None else f"{log.duration_seconds}s",
            _free(log.outcome or "-", show_pii),
            _summary(log.summary, show_pii),
        ]
        for log in d.call_logs
    ]
    lines += ["  " + line for line in table_lines(["#", "STARTED", "DURATION", "OUTCOME",
                                                  "SUMMARY"], rows)]  # fmt: skip
    return "\n".join(lines)


def call_json(key: str, row: CallRow, d: ScheduledItemDetail, *, show_pii: bool) -> str:
    doc = {
        "format_version": 1,
        "key": key,
        "campaign_id": row.campaign_id,
        "campaign_name": _free(row.campaign_name, show_pii),
        "call": {
            **_item_json(d, show_pii),
            "metadata": _metadata(d.metadata, show_pii),  # null: hidden without --show-pii
            "call_logs": [
                {
                    "attempt": log.attempt,
                    "started_at": log.started_at.isoformat() if log.started_at else None,
                    "ended_at": log.ended_at.isoformat() if log.ended_at else None,
                    "duration_seconds": log.duration_seconds,
                    "outcome": _free(log.outcome or "", show_pii) or None,
                    "summary": _free(log.summary or "", show_pii) or None,
                }
                for log in d.call_logs
            ],
        },
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)
