"""`vozzoctl status` as plain text (logs, pipes) or a rich table with progress bars (a terminal).

`table_lines` is the plain aligned table that `calls` uses too.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from vozzoctl.pii import mask_phones_in
from vozzoctl.plan.pauses import clean, ist_time
from vozzoctl.status import KeyStatus

HEADERS = ("KEY", "NAME", "STATE", "PROGRESS", "ANSWERED", "START", "END")


def table_lines(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    out = []
    for row in [tuple(headers), *rows]:
        out.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return out


def _day(d: dt.date | None, empty: str) -> str:
    return d.isoformat() if d else empty


def _pct(done: int, total: int) -> str:
    return f"{done * 100 // total}%" if total else "-"


def progress_text(r: KeyStatus) -> str:
    return f"{r.processed:,}/{r.total:,} ({_pct(r.processed, r.total)})"


def answered_text(r: KeyStatus) -> str:
    if r.attempted is None:
        return "-"
    rate = r.connect_rate
    return f"{r.connected or 0:,}/{r.attempted:,}" + (f" ({rate:.0%})" if rate is not None else "")


_UNPRINTABLE = re.compile(r"[^\w .:/+#-]")


def shown_name(text: str, limit: int = 40) -> str:
    """A name the API holds (a campaign's, a category's): shown, not trusted — no control
    characters or markup, phone-like runs masked, at most `limit` characters."""
    clean = mask_phones_in(_UNPRINTABLE.sub("?", text))
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def analytics_lines(rows: Sequence[KeyStatus]) -> list[str]:
    """Under the table, per key with analytics: categories, goals, success criteria."""
    out: list[str] = []
    for r in rows:
        f = r.figures
        if not f or not r.attempted:  # nothing to say before the first call
            continue
        parts = []
        if f.categories:
            cats = sorted(f.categories.items(), key=lambda kv: (-kv[1], kv[0]))
            parts.append("categories " + ", ".join(f"{shown_name(k)} {n:,}" for k, n in cats))
        if f.goals:
            goals = [f"{shown_name(k)} {a:,}/{t:,}" for k, (a, t) in sorted(f.goals.items())]
            parts.append("goals " + ", ".join(goals))
        if f.success_criteria:
            met = [f"{shown_name(k)} {n:,}" for k, n in sorted(f.success_criteria.items())]
            parts.append("success " + ", ".join(met))
        out.append(f"{r.key}: " + " · ".join(parts))
    return out


def _names(r: KeyStatus) -> str:
    if len(r.names) <= 2:
        return ", ".join(r.names)
    return f"{r.names[0]} (+{len(r.names) - 1} batches)"


def cells(r: KeyStatus) -> tuple[str, ...]:
    return (r.key, _names(r), r.state, progress_text(r), answered_text(r),
            _day(r.start_date, "-"), _day(r.end_date, "open"))  # fmt: skip


def stop_lines(rows: Sequence[KeyStatus]) -> list[str]:
    """Why calls are stopped, for the keys the lockfile records a stop of."""
    out = []
    for r in rows:
        if r.stopped is not None:
            at = ist_time(r.stopped.at)
            why = f": {clean(r.stopped.reason)}" if r.stopped.reason else ""
            out.append(
                f"{r.key}: {len(r.stopped.batches)} campaign(s) stopped by `vozzoctl stop`"
                f"{' at ' + at if at else ''}{why} — `vozzoctl resume {r.key}` restarts calls"
            )
    return out


def status_text(rows: Sequence[KeyStatus]) -> str:
    if not rows:
        return "No managed campaigns."
    lines = table_lines(HEADERS, [cells(r) for r in rows])
    stops = stop_lines(rows)
    return "\n".join([*lines, *([""] if stops else []), *stops])


def status_rich(rows: Sequence[KeyStatus], *, caption: str | None = None) -> Any:
    """A rich Table: a progress bar beside processed/total on every row."""
    from rich.progress_bar import ProgressBar
    from rich.table import Table

    stops = "\n".join(stop_lines(rows))
    caption = "\n".join(c for c in (stops, caption) if c) or None
    table = Table(caption=caption, header_style="bold", expand=False)
    for h in HEADERS:
        table.add_column(h, no_wrap=h in ("KEY", "START", "END", "STATE"))
    for r in rows:
        bar = Table.grid(padding=(0, 1))
        bar.add_row(
            ProgressBar(total=max(r.total, 1), completed=r.processed, width=16),
            progress_text(r),
        )
        key, names, state, _, answered, start, end = cells(r)
        table.add_row(key, names, _state_style(state), bar, answered, start, end)
    return table


def _state_style(state: str) -> str:
    color = {
        "RUNNING": "green",
        "SUSPENDED": "yellow",
        "TO_START": "cyan",
        "COMPLETED": "blue",
        "ENDED": "dim",
        "MISSING": "red",
    }.get(state)
    return f"[{color}]{state}[/{color}]" if color else state
