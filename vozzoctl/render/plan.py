"""A plan as text (a terminal, CI logs), JSON (jq, bots) and Markdown (a pull-request comment).

Renderers read a Plan; they never change it. Phone numbers never appear: a plan speaks of
recipients by count, and warnings are masked where they are made.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from vozzoctl.plan.model import (
    ACTION_ORDER,
    Action,
    AdoptOp,
    CreateOp,
    EndOp,
    KeyPlan,
    Operation,
    Plan,
)
from vozzoctl.render import pauses

SYMBOL = {
    Action.CREATE: "+",
    Action.UPDATE: "~",
    Action.APPEND: "»",
    Action.REPLACE: "-/+",
    Action.END: "⊘",
    Action.ADOPT: "←",
    Action.NOOP: " ",
}
_COLOR = {
    Action.CREATE: "\x1b[32m",
    Action.UPDATE: "\x1b[33m",
    Action.APPEND: "\x1b[36m",
    Action.REPLACE: "\x1b[35m",
    Action.END: "\x1b[31m",
    Action.ADOPT: "\x1b[34m",
    Action.NOOP: "",
}
_RESET, _DIM, _RED, _YELLOW, _BOLD = "\x1b[0m", "\x1b[2m", "\x1b[31m", "\x1b[33m", "\x1b[1m"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def call_lines(op: Operation) -> list[str]:
    """The API calls one operation makes, in the API's own words."""
    if isinstance(op, AdoptOp):
        return [f"record {op.campaign_id} ({op.campaign_name}, {op.state.value}) in the lockfile"]
    if isinstance(op, EndOp):
        return [f"POST update-campaign/{op.campaign_id} campaign_status=ENDED ({op.campaign_name})"]
    if isinstance(op, CreateOp):
        s = op.settings
        lines = [
            f"POST /v1alpha/campaign {op.campaign_name!r}: "
            f"{_plural(len(op.recipients), 'recipient')}, {s.start_date}"
            + (f"..{s.end_date}" if s.end_date else "")
            + f", {s.start_hour:02d}-{s.end_hour:02d} IST"
            + (", weekends" if s.allow_weekends else "")
            + f", {s.max_retry} attempt(s), {s.max_retry_per_day}/day"
        ]
        if op.then_state is not None:
            lines.append(
                f"POST update-campaign/(new id) campaign_status={op.then_state.value} "
                f"({op.campaign_name})"
            )
        return lines
    fields = ", ".join(f"{c.name}={c.after}" for c in op.changes)
    return [f"POST update-campaign/{op.campaign_id} {fields} ({op.campaign_name})"]


def render_text(plan: Plan, *, color: bool = False, verbose: bool = False) -> str:
    out: list[str] = []

    def paint(text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if color and code else text

    out += [paint(line, _RED + _BOLD) for line in pauses.text_lines(plan.paused)]
    for k in plan.keys:
        if not k.changed and not k.errors and not k.warnings and not (verbose and k.notes):
            continue
        head = f"{SYMBOL[k.action]} {k.key}"
        label = k.action.value if k.action is not Action.NOOP else "no changes"
        out.append(paint(f"{head}  ({label})", _COLOR[k.action] + (_BOLD if color else "")))
        for name, c in k.fields.items():
            drift = paint("  (changed outside vozzoctl)", _YELLOW) if c.drift else ""
            out.append(f"    {name}: {one_line(c.before)} → {one_line(c.after)}{drift}")
        if k.recipients_add or k.recipients_remove:
            out.append(
                f"    recipients: +{k.recipients_add:,}"
                + (f" -{k.recipients_remove:,}" if k.recipients_remove else "")
            )
        if k.suppressed or k.excluded:
            out.append(f"    withheld: {_withheld(k)}")
        for op in k.operations:
            for line in call_lines(op):
                out.append(paint(f"    · {one_line(line)}", _DIM))
        for note in k.notes:
            out.append(f"    note: {one_line(note)}")
        for w in k.warnings:
            out.append(paint(f"    warning: {one_line(w)}", _YELLOW))
        for e in k.errors:
            out.append(paint(f"    error: {one_line(e)}", _RED))
        out.append("")
    for e in plan.errors:
        out.append(paint(f"error: {one_line(e)}", _RED))
    for w in plan.warnings:
        out.append(paint(f"warning: {one_line(w)}", _YELLOW))
    for n in plan.notes:
        out.append(paint(f"note: {one_line(n)}", _DIM))
    out.append(summary_line(plan))
    return "\n".join(out)


def _withheld(k: KeyPlan) -> str:
    parts = []
    if k.suppressed:
        parts.append(f"{k.suppressed:,} on a do-not-call list")
    if k.excluded:
        parts.append(f"{k.excluded:,} outside legal calling hours (--exclude-noncompliant)")
    return "; ".join(parts) + ": never sent"


def key_warnings(plan: Plan) -> list[str]:
    """Every key's warnings, as `key: text`: what the manifests ask and apply will not do."""
    return [f"{k.key}: {w}" for k in plan.keys for w in k.warnings]


def summary_line(plan: Plan) -> str:
    """The closing line. It says the live account matches the manifests only when the plan
    read it and found nothing to change, nothing wrong and nothing apply cannot do."""
    counts = plan.summary()
    parts = [f"{n} to {a}" for a, n in counts.items() if n and a != Action.NOOP.value]
    errors = plan.all_errors
    warnings = key_warnings(plan)
    if parts:
        text = (
            f"Plan: {', '.join(parts)}; {_plural(plan.calls, 'API call')}; "
            f"new calls scheduled: {plan.new_recipients:,}; "
            f"calls this apply will start: {plan.calls_started:,}."
        )
        if plan.held:
            text += f" {_plural(plan.held, 'campaign')} stay paused: apply does not restart calls."
    elif errors:
        text = "No plan."
    elif not plan.refreshed:
        text = "No changes since the last apply."
    elif plan.held:
        text = (
            f"No changes to apply, but {_plural(plan.held, 'campaign')} the manifests want "
            "RUNNING stay paused (`vozzoctl resume KEY` restarts calls)."
        )
    elif warnings:
        text = "No changes apply can make, but the live account does not match the manifests."
    else:
        text = "No changes: the live account matches the manifests."
    if errors:
        text += f" {_plural(len(errors), 'error')}: this plan cannot be applied."
    if warnings:
        text += f" {_plural(len(warnings), 'warning')}: see above."
    if not plan.refreshed:
        text += " Not refreshed: the live account was not read."
    return text


def plan_json(plan: Plan) -> dict[str, Any]:
    """The contract's JSON: stable, versioned, for jq and bots."""
    return {
        "format_version": 1,
        "refreshed": plan.refreshed,
        "summary": plan.summary(),
        "calls": plan.calls,
        "new_recipients": plan.new_recipients,
        "calls_started": plan.calls_started,
        "errors": plan.all_errors,
        "paused": pauses.json_list(plan.paused),
        "warnings": [*plan.warnings, *key_warnings(plan)],
        "notes": list(plan.notes),
        "changes": [_change(k) for k in plan.keys],
    }


def _change(k: KeyPlan) -> dict[str, Any]:
    return {
        "key": k.key,
        "action": k.action.value,
        "campaign_ids": list(k.campaign_ids),
        "fields": {
            name: {"from": c.before, "to": c.after, "drift": c.drift}
            for name, c in k.fields.items()
        },
        "recipients": {
            "add": k.recipients_add,
            "remove": k.recipients_remove,
            "suppressed": k.suppressed,
            "excluded": k.excluded,
        },
        "warnings": list(k.warnings),
        "errors": list(k.errors),
        "notes": list(k.notes),
        "calls": [line for op in k.operations for line in call_lines(op)],
    }


def render_json(plan: Plan) -> str:
    return json.dumps(plan_json(plan), indent=2, ensure_ascii=False)


def render_markdown(plan: Plan) -> str:
    """For a pull-request comment: a summary table, then each key's details folded.

    Every string that came from outside (keys, names, values, messages) is escaped, so none
    can close the code block or the `<details>`, start a block, or open a link or a tag."""
    counts = plan.summary()
    lines = ["### vozzoctl plan", "", *pauses.markdown_lines(plan.paused)]
    lines += ["| action | keys |", "|---|---:|"]
    lines += [
        f"| {SYMBOL[a]} {a.value} | {counts[a.value]} |" for a in ACTION_ORDER if counts[a.value]
    ]
    lines += ["", f"**{md_text(summary_line(plan))}**", ""]
    for e in plan.errors:
        lines.append(f"> :x: {md_text(e)}")
    if plan.notes:
        lines += [*(f"- {md_text(n)}" for n in plan.notes), ""]
    for k in plan.keys:
        if not k.changed and not k.errors and not k.warnings:
            continue
        icon = ":x: " if k.errors else ""
        lines.append(
            f"<details><summary>{icon}<code>{SYMBOL[k.action]} {html.escape(one_line(k.key))}"
            f"</code> — {k.action.value}</summary>"
        )
        lines.append("")
        if k.fields:
            lines += ["| field | from | to |", "|---|---|---|"]
            for name, c in k.fields.items():  # field names are vozzoctl's own
                drift = " *(changed outside vozzoctl)*" if c.drift else ""
                lines.append(f"| `{name}` | {md_text(c.before)} | {md_text(c.after)}{drift} |")
            lines.append("")
        if k.recipients_add or k.recipients_remove:
            lines.append(f"Recipients: +{k.recipients_add:,} −{k.recipients_remove:,}")
            lines.append("")
        if k.suppressed or k.excluded:
            lines += [f"Withheld: {md_text(_withheld(k))}", ""]
        if k.operations:
            lines += md_code_block([line for op in k.operations for line in call_lines(op)])
        lines += [f"- {md_text(n)}" for n in k.notes]
        lines += [f"- :warning: {md_text(w)}" for w in k.warnings]
        lines += [f"- :x: {md_text(e)}" for e in k.errors]
        lines += ["", "</details>", ""]
    return "\n".join(lines).rstrip() + "\n"


# Line breaks of every kind (CommonMark's, YAML's NEL, Unicode's LS and PS) and other
# control characters: each would let a string start a block of its own.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Markdown's inline syntax: code spans, emphasis, links and images, table cells, escapes.
_MD_PUNCT = re.compile(r"([\\`*_\[\]|~])")


def one_line(text: str) -> str:
    return _CONTROL.sub(" ", text)


def md_text(text: object) -> str:
    """Untrusted text as one line of Markdown that renders as itself: no tag, entity, code
    span, link or table cell can start inside it."""
    escaped = html.escape(one_line(str(text)), quote=False)
    # A zero-width space after "@": a name like "@org/team" must not notify that team when
    # the plan is posted (GitHub and GitLab link mentions in text, never inside code).
    return _MD_PUNCT.sub(r"\\\1", escaped).replace("@", "@\u200b")


def md_code_block(lines: list[str]) -> list[str]:
    """A fenced block no line can close: the fence is longer than any run of backticks."""
    body = [one_line(line) for line in lines]
    longest = max((len(run) for line in body for run in re.findall("`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence, *body, fence]
