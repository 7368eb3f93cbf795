"""From paths to a `DesiredState`, reporting every problem of the whole set in one run.

    paths ─ discover ─ read YAML ─ ${VAR} ─ Defaults merged per folder ─ validate ─ recipients
          ─ checks across documents (keys unique) ─ DesiredState + diagnostics

Pure apart from reading files: no network. `today` is injected (the date in IST) so that results
never depend on the day the tests run.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from vozzoctl.manifest import compliance, files, models
from vozzoctl.manifest.desired import DesiredCampaign, DesiredState
from vozzoctl.manifest.diagnostics import Diagnostic, Severity, aggregate, closest, suggest
from vozzoctl.manifest.envsubst import substitute
from vozzoctl.manifest.recipients import Collector, LocateInline, Where
from vozzoctl.manifest.suppress import Problem as SuppressProblem
from vozzoctl.manifest.suppress import Suppression, read_list
from vozzoctl.manifest.yamlio import Document, FieldPath, YamlFile, dotted, read_yaml
from vozzoctl.model import Recipient, Settings, State
from vozzoctl.pii import mask_phone

_MB = 1024 * 1024  # as `ls -lh` and `du -h` count them
MAX_MANIFEST_BYTES = 32 * _MB
YAML_SUFFIXES = (".yaml", ".yml")
DEFAULT_PATH = "campaigns"

# What would be valid, for fields that are missing or wrong.
FIELD_HINTS: dict[str, str] = {
    "apiVersion": "apiVersion: vozzoctl/v1",
    "kind": "kind: Campaign or kind: Defaults",
    "metadata": "metadata: {name: my-campaign}",
    "metadata.name": "a key such as winter-promo-2026",
    "spec": "a mapping with name, agent, schedule, retry and recipients",
    "spec.name": 'the campaign name in Vozzo, e.g. "Winter Promotion 2026"',
    "spec.agent": "the agent's UUID from the Vozzo platform",
    "spec.schedule": "schedule: {start_date: 2026-12-01, start_hour: 9, end_hour: 18}",
    "spec.schedule.start_date": "a date as YYYY-MM-DD, today or later",
    "spec.schedule.start_hour": "a whole hour 0-23, e.g. 9",
    "spec.schedule.end_hour": "a whole hour 0-23 after start_hour, e.g. 18",
    "spec.retry": "retry: {max_attempts: 3}",
    "spec.retry.max_attempts": "a whole number 1-5",
}


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
    return loader.run([Path(p) for p in paths] or [Path(DEFAULT_PATH)])


def display_path(path: Path) -> str:
    """The path as a user typed it, relative to the working folder when it lies below it."""
    return _display(path, os.getcwd())


@functools.lru_cache(maxsize=65_536)  # a file is shown for every message and campaign it holds
def _display(path: Path, cwd: str) -> str:
    try:
        return path.resolve().relative_to(_resolved_cwd(cwd)).as_posix()
    except ValueError:
        return path.as_posix()


@functools.lru_cache(maxsize=4)
def _resolved_cwd(cwd: str) -> Path:
    return Path(cwd).resolve()


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[Diagnostic]]:
    """Manifest files under `paths`, in a stable order, skipping hidden files and folders."""
    found: list[Path] = []
    problems: list[Diagnostic] = []
    seen: set[Path] = set()
    for root in paths:
        if root.is_file():
            candidates = [root]
        elif root.is_dir():
            candidates = sorted(
                (
                    p
                    for p in root.rglob("*")
                    if p.suffix.lower() in YAML_SUFFIXES
                    and p.is_file()
                    and not any(part.startswith(".") for part in p.relative_to(root).parts)
                ),
                key=lambda p: p.relative_to(root).as_posix(),
            )
        else:
            problems.append(
                _diag(
                    display_path(root),
                    0,
                    0,
                    "",
                    "is not a regular file or folder (a device, pipe or socket)"
                    if root.exists()
                    else "no such file or folder",
                    "give manifests with -f PATH, a file or a folder",
                )
            )
            continue
        for p in candidates:
            key = p.resolve()
            if key not in seen:
                seen.add(key)
                found.append(p)
    return found, problems


def _diag(
    file: str, line: int, col: int, fld: str, message: str, hint: str = "", *, warning: bool = False
) -> Diagnostic:
    sev = Severity.WARNING if warning else Severity.ERROR
    return Diagnostic(sev, file, line, col, fld, message, hint)


@dataclass
class _Defaults:
    doc: Document
    spec: dict[str, Any]
    folder: Path


class _Loader:
    def __init__(self, today: dt.date, env: Mapping[str, str]) -> None:
        self.today = today
        self.env = env
        self.diagnostics: list[Diagnostic] = []
        self.exclude_noncompliant = False
        self.dnc_lists: dict[Path, tuple[Suppression, list[SuppressProblem]]] = {}
        self.trees: dict[str, Path] = {}  # a manifest as shown → the tree given with -f
        self._chains: dict[Path, list[_Defaults]] = {}

    def chain_of(self, path: Path, defaults: dict[Path, _Defaults]) -> list[_Defaults]:
        """The Defaults over a manifest, farthest first: found once per file (a file may hold
        many campaigns), in as many look-ups as its folder is deep."""
        chain = self._chains.get(path)
        if chain is None:
            folder = path.parent.resolve()
            above = (*reversed(folder.parents), folder)
            chain = self._chains[path] = [defaults[f] for f in above if f in defaults]
        return chain

    def open_named(self, doc: Document, path: FieldPath, name: str) -> Any:
        """A file named at `path` of `doc`, opened inside its tree, or None (reported)."""
        shown = doc.source.display
        tree = self.trees.get(shown, Path(shown).parent)
        try:
            return files.open_confined(
                name, Path(shown).parent, tree, tree_shown=display_path(tree) or "."
            )
        except files.FileRefused as e:
            self.at(doc, path, f"{files.shown_name(name)}: {e}", e.hint)
            return None

    # -- reporting ----------------------------------------------------------------------------
    def at(
        self,
        doc: Document,
        path: FieldPath,
        message: str,
        hint: str = "",
        *,
        key: bool = False,
        warning: bool = False,
    ) -> None:
        if not key and any(path[: len(t)] == t for t in doc.trapped):
            return  # the YAML reader already named the problem with this value
        line, col = doc.locate(path, key=key)
        self.diagnostics.append(
            _diag(doc.source.display, line, col, dotted(path), message, hint, warning=warning)
        )

    # -- the pipeline -------------------------------------------------------------------------
    def run(self, roots: list[Path]) -> LoadResult:
        found, problems = discover(roots)
        self.diagnostics.extend(problems)
        trees = [files.tree_of(r) for r in roots]
        for f in found:
            self.trees[display_path(f)] = files.tree_for(f, trees)
        yaml_files = [f for f in (self.read(p) for p in found) if f is not None]
        documents: list[tuple[Path, Document]] = []
        for path, yf in zip(found, yaml_files, strict=False):
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
        campaigns: list[tuple[Path, Document]] = []
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
            [display_path(p) for p in found],
        )

    def read(self, path: Path) -> YamlFile | None:
        shown = display_path(path)
        if files.escapes(path, self.trees.get(shown, path.parent)):
            self.diagnostics.append(
                _diag(
                    shown,
                    0,
                    0,
                    "",
                    "is a symbolic link to a file outside the tree given with -f",
                    "copy the manifest into the tree instead of linking to it",
                )
            )
            return YamlFile(shown, "")
        try:
            size = path.stat().st_size
            if size > MAX_MANIFEST_BYTES:
                self.diagnostics.append(
                    _diag(
                        shown,
                        0,
                        0,
                        "",
                        f"is {size / _MB:.1f} MB; a manifest holds at most "
                        f"{MAX_MANIFEST_BYTES // _MB} MB",
                        "put long recipient lists in CSV files, listed in spec.recipient_files",
                    )
                )
                return YamlFile(shown, "")
            raw = path.read_bytes()
        except OSError as e:
            self.diagnostics.append(_diag(shown, 0, 0, "", f"cannot be read: {e.strerror}"))
            return YamlFile(shown, "")
        if b"\0" in raw:
            self.diagnostics.append(
                _diag(
                    shown,
                    0,
                    0,
                    "",
                    "is a binary file, not YAML",
                    "move it out of the manifest folders, or rename it without .yaml/.yml",
                )
            )
            return YamlFile(shown, "")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            line = raw[: e.start].count(b"\n") + 1
            self.diagnostics.append(
                _diag(shown, line, 0, "", "is not UTF-8 text", "save the file as UTF-8")
            )
            return YamlFile(shown, "")
        if not text.strip():
            self.diagnostics.append(
                _diag(shown, 1, 1, "", "is empty", "write a manifest in it, or delete it")
            )
            return YamlFile(shown, text)
        read = read_yaml(shown, text)
        if not read.diagnostics and all(d.data is None for d in read.documents):
            self.diagnostics.append(
                _diag(
                    shown,
                    1,
                    1,
                    "",
                    "is empty: it holds only comments",
                    "write a manifest in it, or delete it",
                )
            )
        return read

    def header(self, doc: Document) -> str | None:
        data = doc.data
        if not isinstance(data, dict):
            self.at(
                doc,
                (),
                "a manifest document must be a mapping",
                "start with apiVersion: vozzoctl/v1 and kind: Campaign",
            )
            return None

        def unset(path: FieldPath, message: str, hint: str) -> None:
            self.at(doc, path, message, hint)
            doc.trapped.add(path)  # its value is the unresolved text: no second message on it

        # a walk over every value, needed only when the file holds a reference at all
        substituted = substitute(data, self.env, unset) if doc.source.has_references else data
        doc.data = substituted
        version = substituted.get("apiVersion")
        if version != models.API_VERSION:
            message = "is required" if version is None else f"{version!r} is not supported"
            self.at(doc, ("apiVersion",), message, FIELD_HINTS["apiVersion"])
            return None
        kind = substituted.get("kind")
        if kind not in ("Campaign", "Defaults"):
            message = "is required" if kind is None else f"{kind!r} is not a kind vozzoctl knows"
            self.at(doc, ("kind",), message, FIELD_HINTS["kind"])
            return None
        return str(kind)

    def validate(self, model: type[BaseModel], doc: Document, data: Any, origin: _Origin) -> Any:
        try:
            return model.model_validate(data)
        except ValidationError as e:
            errors = e.errors(include_url=False)
            # A misspelt field is reported once, as unknown with its suggestion, not a second
            # time as the field it was meant to be, missing.
            meant = {
                (*_loc(err)[:-1], close)
                for err in errors
                if err["type"] == "extra_forbidden"
                and (close := closest(str(_loc(err)[-1]), _fields_at(model, _loc(err)[:-1])))
            }
            for err in errors:
                if err["type"] == "missing" and _loc(err) in meant:
                    continue
                self.pydantic_error(model, err, doc, origin)
            return None

    def pydantic_error(
        self, model: type[BaseModel], err: Any, doc: Document, origin: _Origin
    ) -> None:
        loc = _loc(err)
        where, path = origin.source(doc, loc)
        kind = err["type"]
        name = dotted(loc)
        if kind == "missing":  # located at the key of the mapping that lacks it
            self.at(where, path, "is required", FIELD_HINTS.get(name, ""), key=True)
        elif kind == "extra_forbidden":
            valid = _fields_at(model, loc[:-1])
            self.at(where, path, "unknown field", suggest(str(loc[-1]), valid), key=True)
        elif kind in ("model_type", "model_attributes_type", "dict_type"):
            self.at(where, path, "must be a mapping", FIELD_HINTS.get(name, ""))
        elif kind == "list_type":
            self.at(where, path, "must be a list", FIELD_HINTS.get(name, ""))
        elif kind in ("string_type",):
            self.at(where, path, "must be text; quote it", FIELD_HINTS.get(name, ""))
        elif kind == "literal_error":
            self.at(where, path, f"{err.get('input')!r} is not valid", FIELD_HINTS.get(name, ""))
        else:
            error = err.get("ctx", {}).get("error")
            msg = str(error) if error is not None else str(err["msg"])
            self.at(where, path, msg, getattr(error, "hint", ""))

    def defaults(self, path: Path, doc: Document, known: dict[Path, _Defaults]) -> None:
        self.validate(models.DefaultsDocument, doc, doc.data, _Origin({}))
        # Kept even when invalid: its campaigns then report the bad value at the Defaults (the
        # same message, dropped as a repeat), not their own fields as missing.
        folder = path.parent.resolve()
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
        self, path: Path, doc: Document, defaults: dict[Path, _Defaults]
    ) -> DesiredCampaign | None:
        data = doc.data
        spec = data.get("spec")
        origin = _Origin({})
        if isinstance(spec, dict):
            spec, origin = _merge_defaults(spec, self.chain_of(path, defaults))
        checked = {**data, "spec": _without_recipients(spec)} if "spec" in data else data
        parsed = self.validate(models.CampaignDocument, doc, checked, origin)
        if not isinstance(spec, dict):
            return None
        collector = Collector(
            _valid_or(models.language, spec.get("language"), "EN"),
            _valid_or(models.metadata, spec.get("metadata"), {}),
            self.recipient_report(doc),
            self.inline_locator(doc),
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
        sched = compliance.Schedule(
            s.schedule.start_date,
            s.schedule.end_date,
            s.schedule.start_hour,
            s.schedule.end_hour,
            s.schedule.weekends,
        )
        profiles = s.compliance
        where, at = origin.source(doc, ("spec", "compliance") if profiles else ("spec",))
        if not profiles:
            abroad = compliance.outside_india(r.phone for r in recipients)
            if abroad:
                self.at(
                    where,
                    at,
                    f"{abroad:,} recipient(s) outside India and no calling-hours profile",
                    "set spec.compliance (e.g. [us-tcpa]) so that local hours are "
                    "checked before any call",
                    key=True,
                    warning=True,
                )
            return recipients, suppressed, frozenset()
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


@dataclass
class _Origin:
    """Which Defaults document a merged field came from, so its errors point there."""

    table: dict[FieldPath, Document | None]  # None: the campaign's own document

    def source(self, doc: Document, path: FieldPath) -> tuple[Document, FieldPath]:
        for cut in range(len(path), 1, -1):
            if path[:cut] in self.table:
                return self.table[path[:cut]] or doc, path
        return doc, path


def _merge_defaults(spec: dict[str, Any], chain: list[_Defaults]) -> tuple[dict[str, Any], _Origin]:
    """The campaign's spec over its Defaults, farthest first, field by field into mappings."""
    merged: dict[str, Any] = {}
    origin: dict[FieldPath, Document | None] = {}
    for d in chain:
        _deep_merge(merged, d.spec, ("spec",), origin, d.doc)
    _deep_merge(merged, spec, ("spec",), origin, None)
    return merged, _Origin(origin)


_MERGED_MAPPINGS = ("schedule", "retry", "metadata")


def _deep_merge(
    into: dict[str, Any],
    src: dict[str, Any],
    path: FieldPath,
    origin: dict[FieldPath, Any],
    doc: Document | None,
) -> None:
    for k, v in src.items():
        here = (*path, k)
        if (
            len(path) == 1
            and k in _MERGED_MAPPINGS
            and isinstance(v, dict)
            and isinstance(into.get(k), dict)
        ):
            into[k] = dict(into[k])
            for sub, item in v.items():
                into[k][sub] = copy.copy(item)
                origin[(*here, sub)] = doc
        else:
            into[k] = v
            origin[here] = doc
            if isinstance(v, dict):
                for sub in v:
                    origin[(*here, sub)] = doc


def _windows_overlap(a: Settings, b: Settings) -> bool:
    far = dt.date.max
    days = a.start_date <= (b.end_date or far) and b.start_date <= (a.end_date or far)
    return days and a.start_hour < b.end_hour and b.start_hour < a.end_hour


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


def _fields_at(model: type[BaseModel], loc: FieldPath) -> list[str]:
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        info = getattr(current, "model_fields", {}).get(part)
        if info is None:
            return []
        current = _model_in(info.annotation)
        if current is None:
            return []
    return list(getattr(current, "model_fields", {}))


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _loc(err: Any) -> FieldPath:
    loc: FieldPath = tuple(err["loc"])
    if loc and loc[-1] in ("function-before", "function-after"):
        loc = loc[:-1]
    return loc
