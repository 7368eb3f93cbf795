"""From paths to a `DesiredState`, reporting every problem of the whole set in one run.

    paths ─ discover ─ read YAML ─ ${VAR} ─ Defaults merged per folder ─ validate ─ recipients
          ─ checks across documents (keys unique) ─ DesiredState + diagnostics

Pure apart from reading files: no network. `today` is injected (the date in IST) so that results
never depend on the day the tests run.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vozzoctl import cycles
from vozzoctl.manifest import fields, files, models
from vozzoctl.manifest.calling import _CallingSafety
from vozzoctl.manifest.defaults import _Defaults, _merge_defaults, _Origin
from vozzoctl.manifest.desired import DesiredCampaign, DesiredState
from vozzoctl.manifest.diagnostics import Diagnostic, Severity, aggregate
from vozzoctl.manifest.discovery import (
    DEFAULT_PATH,
    MAX_MANIFEST_BYTES,
    YAML_SUFFIXES,
    Found,
    _diag,
    discover,
    discover_found,
    display_path,
)
from vozzoctl.manifest.reading import FIELD_HINTS, _Reading
from vozzoctl.manifest.recipients import Collector, LocateInline, Where
from vozzoctl.manifest.yamlio import Document, FieldPath, dotted
from vozzoctl.model import Settings, State

__all__ = [
    "DEFAULT_PATH",
    "FIELD_HINTS",
    "MAX_MANIFEST_BYTES",
    "YAML_SUFFIXES",
    "LoadResult",
    "discover",
    "display_path",
    "load_desired_state",
]


@dataclass
class LoadResult:
    """The desired state (campaigns that validated) and every diagnostic of the set."""

    state: DesiredState
    diagnostics: list[Diagnostic]
    files: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors


def load_desired_state(
    paths: Sequence[str | os.PathLike[str]] = (),
    *,
    today: dt.date,
    env: Mapping[str, str] | None = None,
    exclude_noncompliant: bool = False,
) -> LoadResult:
    """Read, check and resolve every manifest under `paths` (default `./campaigns`).

    `exclude_noncompliant` drops recipients whose calling hours break a compliance profile
    (and says how many) instead of refusing their campaign.
    """
    loader = _Loader(today, os.environ if env is None else env)
    loader.exclude_noncompliant = exclude_noncompliant
    with cycles.paused():
        return loader.run([Path(p) for p in paths] or [Path(DEFAULT_PATH)])


class _Loader(_Reading, _CallingSafety):
    # -- the pipeline -------------------------------------------------------------------------
    def run(self, roots: list[Path]) -> LoadResult:
        found, problems = discover_found(roots)
        self.diagnostics.extend(problems)
        trees = files.Trees(roots)
        for f in found:
            self.trees[f.shown] = trees.tree_for(f.absolute, f.path.parent)
        yaml_files = [self.read(f, trees) for f in found]
        documents: list[tuple[Found, Document]] = []
        for path, yf in zip(found, yaml_files, strict=True):
            self.diagnostics.extend(yf.diagnostics)
            for doc in yf.documents:
                if doc.data is not None:
                    documents.append((path, doc))
        if not found and not problems:
            self.diagnostics.append(
                _diag(
                    ", ".join(display_path(r) for r in roots),
                    0,
                    0,
                    "",
                    "holds no manifest files (*.yaml, *.yml)",
                    "give manifests with -f PATH",
                )
            )
        defaults: dict[Path, _Defaults] = {}
        campaigns: list[tuple[Found, Document]] = []
        for path, doc in documents:
            kind = self.header(doc)
            if kind == "Defaults":
                self.defaults(path, doc, defaults)
            elif kind == "Campaign":
                campaigns.append((path, doc))
        built: list[DesiredCampaign] = []
        first_key: dict[str, Document] = {}
        for path, doc in campaigns:
            campaign = self.campaign(path, doc, defaults)
            key = _key_of(doc)
            if isinstance(key, str) and key in first_key:
                other = first_key[key]
                line, _ = other.locate(("metadata", "name"))
                self.at(
                    doc,
                    ("metadata", "name"),
                    f"the key {key!r} is declared twice (first at {other.source.display}:{line})",
                    "every campaign needs its own metadata.name",
                )
                continue
            if isinstance(key, str):
                first_key[key] = doc
            if campaign is not None:
                built.append(campaign)
        built.sort(key=lambda c: c.key)
        built = self.distinct_names(built)
        self.overlaps(built)
        # One problem reached from several places (a Defaults shared by many campaigns) is
        # reported once, and one cause repeated many times (100,000 copies of one number) is
        # one message with its count.
        self.diagnostics = aggregate(
            sorted(dict.fromkeys(self.diagnostics), key=Diagnostic.sort_key)
        )
        return LoadResult(
            DesiredState(tuple(built)),
            self.diagnostics,
            [f.shown for f in found],
        )

    def defaults(self, path: Found, doc: Document, known: dict[Path, _Defaults]) -> None:
        self.validate(models.DefaultsDocument, doc, doc.data, _Origin())
        # Kept even when invalid: its campaigns then report the bad value at the Defaults (the
        # same message, dropped as a repeat), not their own fields as missing.
        folder = path.folder
        if folder in known:
            other = known[folder].doc
            self.at(
                doc,
                ("kind",),
                f"a second Defaults for this folder (first at {other.source.display}:{other.line})",
                "keep one Defaults document per folder",
            )
            return
        spec = doc.data.get("spec")
        usable = models.DefaultsSpec.model_fields
        spec = {k: v for k, v in spec.items() if k in usable} if isinstance(spec, dict) else {}
        known[folder] = _Defaults(doc, spec, folder)

    def campaign(
        self, path: Found, doc: Document, defaults: dict[Path, _Defaults]
    ) -> DesiredCampaign | None:
        data = doc.data
        spec = data.get("spec")
        origin = _Origin()
        chain = self.chain_of(path.folder, defaults)
        if isinstance(spec, dict):
            spec, origin = _merge_defaults(spec, chain)
            checked = {**data, "spec": chain.checked_spec(_without_recipients(spec))}
        else:
            checked = {**data, "spec": _without_recipients(spec)} if "spec" in data else data
        parsed = self.validate(models.CampaignDocument, doc, checked, origin)
        if not isinstance(spec, dict):
            return None
        # The campaign's language and metadata under its recipients': as validated, or when
        # the spec is not valid, each on its own (its recipients are still checked).
        if isinstance(parsed, models.CampaignDocument):
            language, metadata = parsed.spec.language, parsed.spec.metadata
        else:
            language = _valid_or(fields.language, spec.get("language"), "EN")
            metadata = _valid_or(fields.metadata, spec.get("metadata"), {})
        collector = Collector(
            language, metadata, self.recipient_report(doc), self.inline_locator(doc)
        )
        collector.add_inline(spec.get("recipients"))
        if parsed is None:
            return None
        assert isinstance(parsed, models.CampaignDocument)
        s = parsed.spec
        ok = self.cross_checks(doc, origin, s)
        for i, name in enumerate(s.recipient_files):
            found = self.open_named(doc, ("spec", "recipient_files", i), name)
            if found is None:
                collector.failed = True
                continue
            with found.handle:
                collector.add_csv(found.handle, display_path(found.path))
        if not spec.get("recipients") and not s.recipient_files:
            self.at(
                doc,
                ("spec",),
                "has no recipients",
                "add spec.recipients or spec.recipient_files; a campaign needs at least one",
                key=True,
            )
            return None
        if not ok or collector.failed or doc.trapped:
            return None  # doc.trapped: the YAML reader named a value it would not guess at
        safe = self.calling_safety(doc, origin, parsed.metadata.name, s, collector)
        if safe is None:
            return None
        recipients, suppressed, excluded = safe
        if not recipients:
            self.at(
                doc,
                ("spec",),
                "every recipient is on a do-not-call list or outside legal "
                "hours: nothing will be sent",
                "",
                key=True,
                warning=True,
            )
        settings = Settings(
            campaign_name=s.name,
            agent_uuid=s.agent,
            start_date=s.schedule.start_date,
            end_date=s.schedule.end_date,
            start_hour=s.schedule.start_hour,
            end_hour=s.schedule.end_hour,
            allow_weekends=s.schedule.weekends,
            max_retry=s.retry.max_attempts,
            max_retry_per_day=s.retry.max_attempts_per_day or s.retry.max_attempts,
            state=State(s.state),
        )
        return DesiredCampaign.build(
            parsed.metadata.name,
            settings,
            recipients,
            dict(parsed.metadata.labels),
            f"{doc.source.display}:{doc.line}",
            suppressed=suppressed,
            excluded=excluded,
            # The numbers stand as written in files of this tree (see desired.py: the digest).
            published=not s.recipient_files
            and not any(d.doc.source.has_references for d in chain.defaults)
            and not doc.source.has_references,
        )

    def distinct_names(self, campaigns: list[DesiredCampaign]) -> list[DesiredCampaign]:
        """Two keys may not share a campaign name and agent: live campaigns are found again by
        exactly that pair (a lost lockfile, a crash), and two owners could not be told apart."""
        first: dict[tuple[str, str], DesiredCampaign] = {}
        kept: list[DesiredCampaign] = []
        for c in campaigns:
            pair = (c.settings.agent_uuid, c.settings.campaign_name)
            other = first.setdefault(pair, c)
            if other is c:
                kept.append(c)
                continue
            file, _, line = c.source.rpartition(":")
            self.diagnostics.append(
                _diag(
                    file,
                    int(line or 0),
                    0,
                    "spec.name",
                    f"{c.settings.campaign_name!r} with agent {c.settings.agent_uuid} is also "
                    f"the campaign of {other.key} ({other.source})",
                    "give each key its own spec.name: vozzoctl finds live campaigns by name "
                    "and agent",
                )
            )
        return kept

    def cross_checks(self, doc: Document, origin: _Origin, s: models.CampaignSpec) -> bool:
        ok = True

        def err(path: FieldPath, message: str, hint: str) -> None:
            nonlocal ok
            ok = False
            self.at(*origin.source(doc, path), message, hint)

        sched = s.schedule
        if sched.end_date is not None and sched.end_date < sched.start_date:
            err(
                ("spec", "schedule", "end_date"),
                f"{sched.end_date} is before start_date {sched.start_date}",
                "end_date must be on or after start_date",
            )
        if sched.end_hour <= sched.start_hour:
            err(
                ("spec", "schedule", "end_hour"),
                f"{sched.end_hour} is not after start_hour {sched.start_hour}",
                "the daily window runs from start_hour to a later end_hour, e.g. 9 to 18",
            )
        per_day = s.retry.max_attempts_per_day
        if per_day is not None and per_day > s.retry.max_attempts:
            err(
                ("spec", "retry", "max_attempts_per_day"),
                f"{per_day} is more than max_attempts {s.retry.max_attempts}",
                "max_attempts_per_day must be at most max_attempts",
            )
        if sched.start_date < self.today:
            where, path = origin.source(doc, ("spec", "schedule", "start_date"))
            self.at(
                where,
                path,
                f"{sched.start_date} is before today ({self.today}, IST)",
                "a new campaign cannot be created with a past start date; plan will refuse "
                "to create it",
                warning=True,
            )
        return ok

    def recipient_report(self, doc: Document) -> Any:
        def report(where: Where, fld: str, message: str, hint: str) -> None:
            if where.index >= 0:  # an inline recipient: located in the manifest
                path: FieldPath = ("spec", "recipients", where.index)
                if fld:
                    path = (*path, fld)
                if any(path[: len(t)] == t for t in doc.trapped):
                    return
                name = dotted(path)
                self.diagnostics.append(
                    _diag(where.file, where.line, where.col, name, message, hint)
                )
            else:  # a CSV row, or the CSV file itself
                self.diagnostics.append(_diag(where.file, where.line, 0, fld, message, hint))

        return report

    def inline_locator(self, doc: Document) -> LocateInline:
        def locate(index: int, field: str, *, key: bool = False) -> Where:
            path: FieldPath = ("spec", "recipients")
            if index >= 0:
                path = (*path, index)
            if field:
                path = (*path, field)
            line, col = doc.locate(path, key=key)
            return Where(doc.source.display, line, col, index)

        return locate


def _valid_or(check: Any, value: Any, fallback: Any) -> Any:
    try:
        return fallback if value is None else check(value)
    except ValueError:
        return fallback


def _without_recipients(spec: Any) -> Any:
    if not isinstance(spec, dict) or "recipients" not in spec:
        return spec
    return {k: v for k, v in spec.items() if k != "recipients"}


def _key_of(doc: Document) -> object:
    meta = doc.data.get("metadata") if isinstance(doc.data, dict) else None
    return meta.get("name") if isinstance(meta, dict) else None
