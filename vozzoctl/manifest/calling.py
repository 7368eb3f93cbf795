"""Calling safety while loading: local calling hours per recipient, do-not-call lists, and
overlapping campaigns of one agent."""

from __future__ import annotations

import datetime as dt

from vozzoctl.manifest import compliance, models
from vozzoctl.manifest.defaults import _Origin
from vozzoctl.manifest.desired import DesiredCampaign
from vozzoctl.manifest.discovery import _diag, display_path
from vozzoctl.manifest.loading import _Base
from vozzoctl.manifest.recipients import Collector
from vozzoctl.manifest.suppress import Problem as SuppressProblem
from vozzoctl.manifest.suppress import Suppression, read_list
from vozzoctl.manifest.yamlio import Document, FieldPath
from vozzoctl.model import Recipient, Settings
from vozzoctl.pii import mask_phone


class _CallingSafety(_Base):
    def overlaps(self, campaigns: list[DesiredCampaign]) -> None:
        """The same number in two campaigns whose dates and windows overlap: a warning."""
        if len(campaigns) < 2:
            return
        owner: dict[str, int] = {}
        shared: dict[tuple[int, int], list[str]] = {}
        for i, c in enumerate(campaigns):
            for r in c.recipients:
                j = owner.setdefault(r.phone, i)
                if j != i and _windows_overlap(campaigns[j].settings, c.settings):
                    shared.setdefault((j, i), []).append(r.phone)
        for (j, i), phones in sorted(shared.items()):
            a, b = campaigns[j], campaigns[i]
            file, _, line = b.source.rpartition(":")
            self.diagnostics.append(
                _diag(
                    file,
                    int(line or 0),
                    0,
                    "spec.recipients",
                    f"{len(phones):,} number(s), e.g. {mask_phone(phones[0])}, are also in "
                    f"{a.key} ({a.source}), on overlapping days and hours: they may be called "
                    f"by both {a.key} and {b.key}",
                    "keep each number in one campaign, or make their dates or hours apart",
                    warning=True,
                )
            )

    def calling_safety(
        self,
        doc: Document,
        origin: _Origin,
        key: str,
        s: models.CampaignSpec,
        collector: Collector,
    ) -> tuple[list[Recipient], frozenset[str], frozenset[str]] | None:
        """Do-not-call lists, then calling hours in each recipient's time zone."""
        dnc = Suppression()
        lists_ok = True
        for i, name in enumerate(s.suppress):
            where, at = origin.source(doc, ("spec", "suppress", i))
            found = self.dnc_list(where, at, name)
            if found is None:
                lists_ok = False
            else:
                dnc.update(found)
        if not lists_ok:
            return None  # never guess who may be called while a do-not-call list is unreadable
        kept = [r for r in collector.recipients if not dnc.holds(r.phone)] if dnc else None
        recipients = collector.recipients if kept is None else kept
        suppressed = frozenset(
            r.phone for r in collector.recipients if kept is not None and dnc.holds(r.phone)
        )
        profiles = s.compliance
        if not profiles:
            abroad = compliance.outside_india(r.phone for r in recipients)
            if abroad:
                self.at(
                    *origin.source(doc, ("spec",)),
                    f"{abroad:,} recipient(s) outside India and no calling-hours profile",
                    "set spec.compliance (e.g. [us-tcpa]) so that local hours are "
                    "checked before any call",
                    key=True,
                    warning=True,
                )
            return recipients, suppressed, frozenset()
        sched = compliance.Schedule(
            s.schedule.start_date,
            s.schedule.end_date,
            s.schedule.start_hour,
            s.schedule.end_hour,
            s.schedule.weekends,
        )
        bad: list[tuple[Recipient, compliance.Breach]] = []
        unknown: list[Recipient] = []
        for r in recipients:
            verdict = compliance.judge(sched, r.phone, profiles)
            if verdict.unknown:
                unknown.append(r)  # fail closed: hours that cannot be checked are not legal
            elif verdict.breach is not None:
                bad.append((r, verdict.breach))
        if not bad and not unknown:
            return recipients, suppressed, frozenset()
        where, at = origin.source(doc, ("spec", "compliance"))

        def rows(rs: list[Recipient]) -> str:
            shown = ", ".join(
                f"{mask_phone(r.phone)} ({collector.describe(collector.first[r.phone])})"
                for r in rs[:3]
            )
            return shown + (f" and {len(rs) - 3:,} more" if len(rs) > 3 else "")

        leave_out = "pass --exclude-noncompliant to leave them out"
        if unknown:
            what = (
                f"{len(unknown):,} recipient(s) have no known time zone, so their calling hours "
                f"cannot be checked: {rows(unknown)}"
            )
            if self.exclude_noncompliant:
                what += "; left out by --exclude-noncompliant"
            hint = "" if self.exclude_noncompliant else f"check those numbers, or {leave_out}"
            self.at(where, at, what, hint, key=True, warning=self.exclude_noncompliant)
        if bad:
            first = bad[0][1].describe(sched)
            listed = rows([r for r, _ in bad])
            if self.exclude_noncompliant:
                self.at(
                    where,
                    at,
                    f"{len(bad):,} recipient(s) left out by --exclude-noncompliant: "
                    f"{listed}; {first}",
                    "",
                    key=True,
                    warning=True,
                )
            else:
                self.at(
                    where,
                    at,
                    f"campaign {key} would call {len(bad):,} recipient(s) outside legal hours: "
                    f"{listed}; {first}",
                    "narrow start_hour/end_hour, move those recipients to a campaign of their "
                    f"own, or {leave_out}",
                    key=True,
                )
        if not self.exclude_noncompliant:
            return None
        out = frozenset(r.phone for r in unknown) | frozenset(r.phone for r, _ in bad)
        return [r for r in recipients if r.phone not in out], suppressed, out

    def dnc_list(self, where: Document, at: FieldPath, name: str) -> Suppression | None:
        opened = self.open_named(where, at, name)
        if opened is None:
            return None
        with opened.handle:
            if opened.path not in self.dnc_lists:
                shown = display_path(opened.path)
                raw = opened.handle.read()
                try:
                    read = read_list(raw.decode("utf-8-sig"), self.env)
                except UnicodeDecodeError as e:
                    line = raw[: e.start].count(b"\n") + 1
                    self.diagnostics.append(
                        _diag(shown, line, 0, "", "is not UTF-8 text", "save the list as UTF-8")
                    )
                    read = (Suppression(), [SuppressProblem(line, "", "")])
                else:
                    for problem in read[1]:
                        self.diagnostics.append(
                            _diag(shown, problem.line, 0, "", problem.message, problem.hint)
                        )
                self.dnc_lists[opened.path] = read
        found = self.dnc_lists[opened.path]
        if found[1]:
            return None
        return found[0]


def _windows_overlap(a: Settings, b: Settings) -> bool:
    far = dt.date.max
    days = a.start_date <= (b.end_date or far) and b.start_date <= (a.end_date or far)
    return days and a.start_hour < b.end_hour and b.start_hour < a.end_hour
