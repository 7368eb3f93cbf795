"""`vozzoctl import`: live campaigns the lockfile does not know → manifests, CSVs, lockfile entries.

    read      every campaign (list), their settings (by agent, in bulk), their calls (items)
    group     `<name>`, `<name> #2`, … with one agent become the batches of one key   (groups.py)
    express   settings from the newest active batch; recipients (the union of the batches'
              calls) into `<key>.csv` where a CSV holds them exactly, inline where only YAML
              does (metadata numbers, booleans, empty text), refused where nothing does
              (metadata that is not a flat JSON object)                          (express.py)
    write     `<out>/<key>.yaml` and `<key>.csv`, never over an existing file; then the lockfile
              entries, fingerprinted exactly as `apply` records them, so `plan` finds no change
                                                                                     (here)

Every message masks phone numbers; only the CSV and the manifests hold them (the user's data).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from vozzoctl.api import ScheduledItem
from vozzoctl.errors import UsageError
from vozzoctl.importer.express import (
    csv_text,
    express_recipients,
    manifest_text,
    recipient_of,
    settings_of,
)
from vozzoctl.importer.groups import Group, Skipped, key_for, read_groups
from vozzoctl.lockfile import Batch, Entry, Lockfile, LockfileLock, load, save
from vozzoctl.manifest import load_desired_state
from vozzoctl.manifest.desired import recipients_fingerprint, settings_fingerprint
from vozzoctl.model import Recipient, Settings
from vozzoctl.redact import write_private

__all__ = ["check_round_trip", "manifest_root", "prepare", "read_groups", "record", "write_files"]


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
        batches = tuple(_batch(c.campaign_id, c.name, g.items[c.campaign_id], key)
                        for c in g.campaigns)  # fmt: skip
        published = csv_path is None and "${" not in text
        imported.append(Imported(key, g, settings, e.recipients, manifest, csv_path,
                                 len(e.inline), notes + e.notes, batches, published))  # fmt: skip
    return imported, skipped, files


def _batch(campaign_id: str, name: str, items: Sequence[ScheduledItem], key: str) -> Batch:
    recipients = tuple(recipient_of(i) for i in items)
    digest = recipients_fingerprint(recipients, key, published=False)
    return Batch(campaign_id, name, len(items), digest)


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
