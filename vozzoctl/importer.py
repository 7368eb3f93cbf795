"""`vozzoctl import`: live campaigns the lockfile does not know → manifests, CSVs, lockfile entries.

    read      every campaign (list), their settings (by agent, in bulk), their calls (items)
    group     `<name>`, `<name> #2`, … with one agent become the batches of one key
    express   settings from the newest active batch; recipients (the union of the batches'
              calls) into `<key>.csv` where a CSV holds them exactly, inline where only YAML
              does (metadata numbers, booleans, empty text), refused where nothing does
              (metadata that is not a flat JSON object)
    write     `<out>/<key>.yaml` and `<key>.csv`, never over an existing file; then the lockfile
              entries, fingerprinted exactly as `apply` records them, so `plan` finds no change

Every message masks phone numbers; only the CSV and the manifests hold them (the user's data).
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from vozzoctl.api import LiveCampaign, ScheduledItem, VozzoClient
from vozzoctl.csvcells import escape_cell, needs_escape
from vozzoctl.errors import NotFoundError, UsageError
from vozzoctl.lockfile import Batch, Entry, Lockfile, LockfileLock, load, save
from vozzoctl.manifest import load_desired_state
from vozzoctl.manifest.desired import recipients_fingerprint, settings_fingerprint
from vozzoctl.model import Recipient, Settings, State
from vozzoctl.pii import mask_phone
from vozzoctl.plan.planner import batch_number
from vozzoctl.redact import write_private

KEY_MAX = 63
_SUFFIX = re.compile(r"^(?P<base>.*) #(?P<n>[0-9]+)$")
_SETTING_FIELDS = ("end_date", "start_hour", "end_hour", "allow_weekends", "max_retry",
                   "max_retry_per_day", "state")  # fmt: skip


def base_name(name: str) -> str:
    m = _SUFFIX.match(name)
    return m["base"] if m and m["base"] else name


def key_for(name: str, taken: set[str]) -> str:
    """A key from a campaign name: lower case, [a-z0-9-], ≤ 63, not in `taken`."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:KEY_MAX].strip("-") or "campaign"
    key, n = slug, 1
    while key in taken:
        n += 1
        tail = f"-{n}"
        key = slug[: KEY_MAX - len(tail)].rstrip("-") + tail
    return key


@dataclass
class Group:
    """Live campaigns that are the batches of one key, in batch order."""

    base: str
    agent: str
    campaigns: list[LiveCampaign]
    items: dict[str, tuple[ScheduledItem, ...]] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.campaigns]


@dataclass
class Skipped:
    names: list[str]
    reason: str


@dataclass
class Imported:
    key: str
    group: Group
    settings: Settings
    recipients: tuple[Recipient, ...]
    manifest: Path
    csv: Path | None
    inline: int  # recipients written into the manifest itself
    notes: list[str]
    batches: tuple[Batch, ...] = ()
    published: bool = False  # every number written literally in the manifest (no CSV, no ${)


@dataclass
class Result:
    imported: list[Imported]
    skipped: list[Skipped]
    warnings: list[str]
    lock: Lockfile | None = None


# ------------------------------------------------------------------------------ reading


async def read_groups(
    client: VozzoClient,
    lock: Lockfile,
    *,
    state: State | None,
    agent: str | None,
) -> tuple[list[Group], list[Skipped]]:
    """Every unmanaged live campaign, grouped into keys; with their calls."""
    summaries = [s async for s in client.list_campaigns()]
    by_id = {s.campaign_id: s for s in summaries}
    unmanaged = [s for s in summaries if lock.owner_of(s.campaign_id) is None]
    agents = sorted({(s.agent_id or "").lower() for s in unmanaged} - {""})
    bulk = await client.read_agents(agents)
    live: dict[str, LiveCampaign] = {
        c.campaign_id: c for found in bulk.campaigns.values() for c in found
    }
    unread = [s.campaign_id for s in unmanaged if s.campaign_id not in live]
    for cid, got in zip(unread, await asyncio.gather(*(_detail(client, c) for c in unread)),
                        strict=True):  # fmt: skip
        if got is not None:
            live[cid] = got
    managed: dict[tuple[str, str], str] = {}
    for key, entry in lock.campaigns.items():
        for b in entry.batches:
            s = by_id.get(b.campaign_id)
            if s is not None:
                managed[(base_name(b.campaign_name), (s.agent_id or "").lower())] = key

    skipped: list[Skipped] = []
    grouped: dict[tuple[str, str], list[LiveCampaign]] = {}
    for s in unmanaged:
        c = live.get(s.campaign_id)
        who = (c.agent_id if c else None) or s.agent_id
        if c is None or not who:
            why = "its settings or agent could not be read"
            skipped.append(Skipped([s.campaign_name or s.campaign_id], why))
            continue
        if c.agent_id is None:
            c = replace(c, agent_id=who)
        grouped.setdefault((base_name(c.name), who.lower()), []).append(c)

    groups: list[Group] = []
    for (base, who), members in sorted(grouped.items()):
        if agent is not None and who != agent.lower():
            continue
        if state is not None and not any(c.state == state for c in members):
            continue
        members.sort(key=lambda c: (batch_number(c.name, base) or 1, c.created_at or _EPOCH))
        if (base, who) in managed:
            owner = managed[(base, who)]
            why = f"looks like a batch of the managed key {owner!r}: `vozzoctl plan` adopts it"
            skipped.append(Skipped([c.name for c in members], why))
            continue
        numbers = [batch_number(c.name, base) for c in members]
        if len(set(numbers)) < len(numbers):
            # Two campaigns of one name and agent: not batches of one key; one key each.
            groups.extend(Group(base, who, [c]) for c in members)
        else:
            groups.append(Group(base, who, members))

    ids = [c.campaign_id for g in groups for c in g.campaigns]
    read = await asyncio.gather(*(_items(client, cid) for cid in ids))
    items = dict(zip(ids, read, strict=True))
    for g in groups:
        g.items = {c.campaign_id: items[c.campaign_id] for c in g.campaigns}
    return groups, skipped


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


async def _detail(client: VozzoClient, campaign_id: str) -> LiveCampaign | None:
    try:
        return await client.live_campaign(campaign_id)
    except NotFoundError:
        return None


async def _items(client: VozzoClient, campaign_id: str) -> tuple[ScheduledItem, ...]:
    items = [i async for i in client.list_items(campaign_id)]
    # The older draft's list rows carry no language; the single-call answer does.
    lacking = [i for i in items if i.agent_language is None]
    if lacking:
        details = await asyncio.gather(
            *(client.get_item(campaign_id, i.scheduled_item_id) for i in lacking)
        )
        known = {d.scheduled_item_id: d.agent_language for d in details}
        items = [
            i.model_copy(update={"agent_language": known.get(i.scheduled_item_id)})
            if i.agent_language is None
            else i
            for i in items
        ]
    return tuple(items)


# ------------------------------------------------------------------------------ expressing


def _recipient(item: ScheduledItem) -> Recipient:
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
            return f"holds a nested {'mapping' if isinstance(v, dict) else 'list'} in {k!r}"
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
            r = _recipient(item)
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


# ------------------------------------------------------------------------------ the whole import


def _declared(root: Path, today: dt.date) -> dict[tuple[str, str], tuple[str, str]]:
    """(spec.name, agent) → (key, source) of the manifests already under `root`."""
    if not root.exists():
        return {}
    result = load_desired_state([root], today=today)
    return {
        (d.settings.campaign_name, d.settings.agent_uuid.lower()): (d.key, d.source)
        for d in result.state
    }


def manifest_root(out: Path) -> Path:
    """The folder `plan` reads by default when it holds `out`, else `out` itself."""
    default = Path("campaigns")
    try:
        out.resolve().relative_to(default.resolve())
    except ValueError:
        return out
    return default


def prepare(
    groups: Sequence[Group], lock: Lockfile, out: Path, today: dt.date
) -> tuple[list[Imported], list[Skipped], dict[Path, str]]:
    """What would be written: the imported keys, the refused groups, and every file's text."""
    root = manifest_root(out)
    declared = _declared(root, today)
    taken = set(lock.campaigns) | {k for k, _ in declared.values()}
    imported: list[Imported] = []
    skipped: list[Skipped] = []
    files: dict[Path, str] = {}
    for g in groups:
        found = declared.get((g.base, g.agent))
        if found is not None:
            why = (
                f"already declared as key {found[0]!r} ({found[1]}), not yet in the lockfile: "
                "`vozzoctl plan` adopts it"
            )
            skipped.append(Skipped(g.names, why))
            continue
        e = express_recipients(g)
        if e.refused:
            skipped.append(Skipped(g.names, e.refused))
            continue
        settings, notes = settings_of(g, today)
        key = key_for(g.base, taken)
        taken.add(key)
        manifest = out / f"{key}.yaml"
        csv_path = out / f"{key}.csv" if e.csv_rows else None
        text = files[manifest] = manifest_text(
            key, settings, e, csv_path.name if csv_path else None, g
        )
        if csv_path is not None:
            files[csv_path] = csv_text(e)
        # A batch's digest covers its live calls, which the manifest may not all show: stretched.
        batches = tuple(
            Batch(c.campaign_id, c.name, len(g.items[c.campaign_id]),
                  recipients_fingerprint(tuple(_recipient(i) for i in g.items[c.campaign_id]), key,
                                         published=False))
            for c in g.campaigns
        )  # fmt: skip
        published = csv_path is None and "${" not in text
        imported.append(Imported(key, g, settings, e.recipients, manifest, csv_path,
                                 len(e.inline), notes + e.notes, batches, published))  # fmt: skip
    return imported, skipped, files


def write_files(files: dict[Path, str]) -> None:
    existing = [p for p in files if p.exists()]
    if existing:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise UsageError(
            f"refusing to overwrite {existing[0]}{more}: nothing was written",
            hint="choose another --out folder, or move the existing files aside",
        )
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_private(path, text)


def record(lockfile_path: Path, api_url: str, imported: Sequence[Imported]) -> Lockfile:
    """The lockfile entries, as apply records them: batches with their calls' fingerprints,
    and the key's settings and recipients fingerprints."""
    with LockfileLock(lockfile_path, 30.0):
        lock = load(lockfile_path, api_url)
        for imp in imported:
            entry = Entry(
                batches=imp.batches,
                settings_sha256=settings_fingerprint(imp.settings),
                recipients_sha256=recipients_fingerprint(
                    imp.recipients, imp.key, published=imp.published
                ),
            )
            lock = lock.with_entry(imp.key, entry)
        lock = replace(lock, serial=lock.serial + 1)
        save(lockfile_path, lock)
    return lock


def check_round_trip(imported: Sequence[Imported], out: Path, today: dt.date) -> list[str]:
    """Read the written manifests as `plan` will; name every key they do not reproduce."""
    result = load_desired_state([manifest_root(out)], today=today)
    problems: list[str] = []
    for imp in imported:
        d = result.state.get(imp.key)
        if d is None:
            problems.append(f"{imp.key}: {imp.manifest} does not load; run vozzoctl validate")
            continue
        if d.settings_sha != settings_fingerprint(imp.settings):
            problems.append(
                f"{imp.key}: its settings read differently from the live campaign "
                "(a Defaults document above it?): plan will show changes"
            )
        if d.recipients_sha != d.fingerprint(imp.recipients):
            problems.append(
                f"{imp.key}: its recipients read differently from the live calls "
                "(a Defaults document's metadata?): plan will show changes"
            )
    return problems
