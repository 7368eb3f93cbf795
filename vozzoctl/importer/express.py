"""What `vozzoctl import` writes for a group: its settings (the newest active batch's), and
its recipients (the union of the batches' calls) in `<key>.csv` where a CSV holds them
exactly, inline where only YAML does, refused where nothing does; the manifest's and the CSV's
text. Only these files hold phone numbers (the user's data); messages mask them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

import yaml

from vozzoctl.api import ScheduledItem
from vozzoctl.csvcells import escape_cell, needs_escape
from vozzoctl.importer.groups import Group
from vozzoctl.model import Recipient, Settings, State
from vozzoctl.pii import mask_phone, mask_phones_in
from vozzoctl.render.plan import one_line

_SETTING_FIELDS = ("end_date", "start_hour", "end_hour", "allow_weekends", "max_retry",
                   "max_retry_per_day", "state")  # fmt: skip


def recipient_of(item: ScheduledItem) -> Recipient:
    return Recipient(item.to_phone_number, (item.agent_language or "EN").upper(), item.metadata)


def _csv_safe(meta: dict[str, Any]) -> bool:
    """Whether a CSV row gives back exactly this metadata: text values, none empty, and
    names that are columns (not phone/language, no spaces around, not empty, not a formula).
    A carriage return is left to YAML: the CSV writer would not quote it."""
    return all(
        isinstance(v, str) and v != "" and "\r" not in v and k and k == k.strip()
        and k.lower() not in ("phone", "language") and not needs_escape(k)
        for k, v in meta.items()
    )  # fmt: skip


def _not_flat(meta: Any) -> str | None:
    if not isinstance(meta, dict):
        return "is not a JSON object"
    for k, v in meta.items():
        if isinstance(v, dict | list):
            kind = "mapping" if isinstance(v, dict) else "list"
            return f"holds a nested {kind} in {mask_phones_in(one_line(str(k)))!r}"  # a call's
    return None


def settings_of(g: Group, today: dt.date) -> tuple[Settings, list[str]]:
    """The key's settings: the newest active batch's; the first start date of the batches
    (a later batch's own start date is not drift)."""
    notes: list[str] = []
    active = [c for c in g.campaigns if not c.state.final]
    newest = (active or g.campaigns)[-1]
    start = min(c.start_date for c in (active or g.campaigns))
    state = newest.state
    started = [c for c in active if c.state != State.TO_START]
    if state == State.TO_START and started:
        # TO_START cannot be reached again from RUNNING or SUSPENDED: take a started batch's.
        state = started[-1].state
    if state == State.COMPLETED:
        state = State.ENDED
        notes.append("COMPLETED is final and a manifest cannot declare it: written as ENDED")
    s = replace(newest.to_settings(g.agent), campaign_name=g.base, start_date=start, state=state)
    if start < today:
        notes.append(
            f"start_date {start} has passed: kept, as manifests allow for an existing campaign "
            "(validate warns about it; a past start date is never sent)"
        )
    for c in active:
        differ = [f for f in _SETTING_FIELDS if getattr(c, f) != getattr(s, f)]
        if start >= today and c.start_date != start:
            differ.insert(0, "start_date")
        if differ:
            notes.append(
                f"{c.name} differs from the newest batch in {', '.join(differ)}: "
                "the next apply will make it match the manifest"
            )
    return s, notes


@dataclass
class Expressed:
    recipients: tuple[Recipient, ...]
    csv_rows: list[dict[str, str]]
    csv_columns: list[str]
    inline: list[dict[str, Any]]
    language: str
    notes: list[str]
    refused: str | None = None


def express_recipients(g: Group) -> Expressed:
    """The union of the batches' calls, as a manifest can hold them exactly."""
    notes: list[str] = []
    seen: dict[str, Recipient] = {}
    twice = 0
    for c in g.campaigns:
        for item in g.items.get(c.campaign_id, ()):
            r = recipient_of(item)
            if r.phone in seen:
                twice += 1
                continue
            seen[r.phone] = r
    if twice:
        notes.append(
            f"{twice} number(s) are held by more than one batch: the manifest lists each once"
        )
    recipients = tuple(seen.values())
    if not recipients:
        return Expressed((), [], [], [], "EN", notes, "it holds no scheduled calls")
    language = Counter(r.language for r in recipients).most_common(1)[0][0]
    parsed: list[tuple[Recipient, Any]] = []
    bad: list[str] = []
    for r in recipients:
        try:
            meta: Any = json.loads(r.metadata)
        except ValueError:
            meta = r.metadata
        problem = _not_flat(meta)
        if problem:
            bad.append(f"the metadata of {mask_phone(r.phone)} {problem}")
        parsed.append((r, meta))
    if bad:
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        why = (
            f"{bad[0]}{more}; a manifest holds only flat metadata (text, numbers, "
            "true/false), so it cannot be expressed exactly"
        )
        return Expressed(recipients, [], [], [], language, notes, why)
    columns: list[str] = []
    for _, meta in parsed:
        if _csv_safe(meta):
            columns.extend(k for k in meta if k not in columns)
    clash = len({c.lower() for c in columns}) != len(columns)
    rows: list[dict[str, str]] = []
    inline: list[dict[str, Any]] = []
    for r, meta in parsed:
        if not clash and _csv_safe(meta):
            rows.append({"phone": r.phone, "language": r.language, **meta})
        else:
            entry: dict[str, Any] = {"phone": r.phone}
            if r.language != language:
                entry["language"] = r.language
            if meta:
                entry["metadata"] = meta
            inline.append(entry)
    if inline:
        notes.append(
            f"{len(inline)} recipient(s) have metadata a CSV cannot hold exactly (numbers, "
            "true/false, empty text): they are listed in the manifest itself"
        )
    return Expressed(recipients, rows, columns if rows else [], inline, language, notes)


def manifest_text(key: str, s: Settings, e: Expressed, csv_name: str | None, g: Group) -> str:
    schedule: dict[str, Any] = {"start_date": s.start_date}
    if s.end_date is not None:
        schedule["end_date"] = s.end_date
    schedule |= {"start_hour": s.start_hour, "end_hour": s.end_hour, "weekends": s.allow_weekends}
    retry: dict[str, Any] = {"max_attempts": s.max_retry}
    retry["max_attempts_per_day"] = s.max_retry_per_day
    spec: dict[str, Any] = {
        "name": s.campaign_name,
        "agent": s.agent_uuid,
        "state": s.state.value,
        "language": e.language,
        "schedule": schedule,
        "retry": retry,
    }
    if csv_name:
        spec["recipient_files"] = [csv_name]
    if e.inline:
        spec["recipients"] = e.inline
    doc = {"apiVersion": "vozzoctl/v1", "kind": "Campaign", "metadata": {"name": key},
           "spec": spec}  # fmt: skip
    # A comment ends at a line break: names go in as JSON strings (ASCII, escaped), so a
    # live name can never start a line, a document or a campaign of its own.
    ids = ", ".join(f"{_quoted(c.name)} ({_quoted(c.campaign_id)})" for c in g.campaigns)
    header = [
        f"# Imported by `vozzoctl import` from {ids}.",
        "# Every setting is written out, so that no Defaults document changes it.",
    ]
    if csv_name:
        header.append(f"# Recipients: {csv_name} beside this file (it holds phone numbers).")
    body = yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return "\n".join(header) + "\n" + body


class _Dumper(yaml.SafeDumper):
    """safe_dump, but text holding a line break or a control character is written
    double-quoted with escapes: PyYAML writes NEL, LS and PS raw inside single quotes,
    and reads them back folded into spaces."""


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = '"' if any(not c.isprintable() for c in text) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _represent_str)


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=True)


def csv_text(e: Expressed) -> str:
    """The recipients' CSV; metadata cells a spreadsheet would run are written as text
    (see csvcells), and read back as the same values."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, ["phone", "language", *e.csv_columns], lineterminator="\n")
    writer.writeheader()
    keep = ("phone", "language")
    writer.writerows(
        {k: v if k in keep else escape_cell(v) for k, v in row.items()} for row in e.csv_rows
    )
    return buf.getvalue()
