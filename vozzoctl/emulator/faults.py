"""Fault injection: a plan of rules saying which requests fail, and how.

A fault plan is JSON (`--fault-plan FILE`) or the same structure from Python:

    {"rules": [
      {"method": "POST", "path": "/v1alpha/campaign", "on": [1, 3],
       "action": "status", "status": 429, "retry_after": 2},
      {"method": "GET", "path": "/v1alpha/campaign/*", "on": "every",
       "action": "delay", "delay_ms": 250},
      {"method": "POST", "path_regex": "^/v1alpha/campaign/?$", "on": {"first": 1},
       "action": "commit_then_drop"},
      {"path": "/v1alpha/campaigns", "on": {"first": 2}, "action": "status", "status": 503}
    ]}

- `method`: an HTTP method or "*" (the default).
- `path` is a glob (`fnmatch`, `*` also crosses "/"), `path_regex` a regular expression
  (`re.search`); one of them, matched against the path without the query. Default: every path.
- `on`: which of the rule's matching requests fire, counted from 1 per rule: a list of hit
  numbers, "every" (the default), {"first": N}, or {"after": N} (every hit past the N-th).
- `action`: `status` (answer `status`, default 503, with `{"detail": ...}`; a 429 carries
  `Retry-After: retry_after`, default 1), `delay` (wait `delay_ms`, then serve normally), `drop`
  (close the connection without handling the request), `commit_then_drop` (handle the request,
  store its effects, then close the connection without an answer), `commit_then_500` (handle
  and store, then answer 500 instead of the real answer), `hold` (park the request until
  `Emulator.release()` is called, or for at most `delay_ms` — default 60 s —, then serve it
  normally; `Emulator.wait_held()` tells a test that a request is parked, so it can act while a
  client is known to be inside a call).

Every rule that matches a request counts the hit; the first rule whose `on` includes it fires.
"""

from __future__ import annotations

import fnmatch
import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ACTIONS = ("status", "delay", "hold", "drop", "commit_then_drop", "commit_then_500")


class FaultPlanError(ValueError):
    """A fault plan that cannot be used; the message names the rule and the field."""


@dataclass(frozen=True, slots=True)
class Fault:
    """What to do to one request."""

    action: str
    status: int = 503
    retry_after: int = 1
    delay_ms: int = 0


@dataclass(slots=True)
class Rule:
    method: str = "*"
    path: str | None = None
    path_regex: re.Pattern[str] | None = None
    hits: frozenset[int] | None = None  # None: every hit
    first: int | None = None
    after: int | None = None
    fault: Fault = field(default_factory=lambda: Fault("status"))
    count: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.method not in ("*", method):
            return False
        if self.path_regex is not None:
            return self.path_regex.search(path) is not None
        if self.path is not None:
            return fnmatch.fnmatchcase(path, self.path)
        return True

    def fires(self, n: int) -> bool:
        if self.hits is not None:
            return n in self.hits
        if self.first is not None:
            return n <= self.first
        if self.after is not None:
            return n > self.after
        return True


class FaultPlan:
    """Rules with their hit counters; thread-safe."""

    def __init__(self, rules: list[Rule] | None = None) -> None:
        self.rules = rules or []
        self._lock = threading.Lock()

    @classmethod
    def parse(cls, spec: FaultPlan | dict[str, Any] | list[Any] | str | Path | None) -> FaultPlan:
        """From a FaultPlan, a dict `{"rules": [...]}`, a bare list of rules, or a JSON file."""
        if spec is None:
            return cls()
        if isinstance(spec, FaultPlan):
            return spec
        if isinstance(spec, (str, Path)):
            try:
                spec = json.loads(Path(spec).read_text(encoding="utf-8"))
            except (OSError, ValueError) as e:
                raise FaultPlanError(f"cannot read fault plan {spec}: {e}") from e
        rules = spec.get("rules") if isinstance(spec, dict) else spec
        if not isinstance(rules, list):
            raise FaultPlanError('a fault plan is {"rules": [...]}')
        return cls([_rule(i, r) for i, r in enumerate(rules)])

    def pick(self, method: str, path: str) -> Fault | None:
        chosen = None
        with self._lock:
            for rule in self.rules:
                if rule.matches(method, path):
                    rule.count += 1
                    if chosen is None and rule.fires(rule.count):
                        chosen = rule.fault
        return chosen


def _rule(i: int, raw: Any) -> Rule:
    where = f"fault plan rule {i + 1}"
    if not isinstance(raw, dict):
        raise FaultPlanError(f"{where}: must be an object")
    unknown = set(raw) - {
        "method", "path", "path_regex", "on", "action", "status", "retry_after", "delay_ms",
    }  # fmt: skip
    if unknown:
        raise FaultPlanError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    rule = Rule(method=str(raw.get("method", "*")).upper())
    if "path" in raw and "path_regex" in raw:
        raise FaultPlanError(f"{where}: give path or path_regex, not both")
    if "path" in raw:
        rule.path = str(raw["path"])
    if "path_regex" in raw:
        try:
            rule.path_regex = re.compile(str(raw["path_regex"]))
        except re.error as e:
            raise FaultPlanError(f"{where}: path_regex: {e}") from e
    on = raw.get("on", "every")
    if on == "every":
        pass
    elif isinstance(on, list) and all(isinstance(n, int) and n >= 1 for n in on):
        rule.hits = frozenset(on)
    elif isinstance(on, dict) and len(on) == 1 and next(iter(on)) in ("first", "after"):
        ((key, n),) = on.items()
        if not isinstance(n, int) or n < 0:
            raise FaultPlanError(f"{where}: on.{key} must be a whole number")
        setattr(rule, key, n)
    else:
        raise FaultPlanError(
            f'{where}: on must be "every", [1, 3], {{"first": N}} or {{"after": N}}'
        )
    action = raw.get("action")
    if action not in ACTIONS:
        raise FaultPlanError(f"{where}: action must be one of {', '.join(ACTIONS)}")
    status = raw.get("status", 503)
    retry_after = raw.get("retry_after", 1)
    delay_ms = raw.get("delay_ms", 0)
    if not isinstance(status, int) or not 400 <= status <= 599:
        raise FaultPlanError(f"{where}: status must be an HTTP error status (400-599)")
    if not isinstance(retry_after, int) or retry_after < 0:
        raise FaultPlanError(f"{where}: retry_after must be whole seconds")
    if not isinstance(delay_ms, int) or not 0 <= delay_ms <= 600_000:
        raise FaultPlanError(f"{where}: delay_ms must be 0-600000")
    rule.fault = Fault(action, status, retry_after, delay_ms)
    return rule
