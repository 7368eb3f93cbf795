"""An API answer that is not a success → the matching error of `vozzoctl.errors`.

Every message says what a person can do about it, and every phone number in it is masked.
Pure: takes a status, a body and the context of the call; no httpx.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from vozzoctl.api.auth import KEY_HINT
from vozzoctl.errors import (
    ApiError,
    AuthError,
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
    RequestRejectedError,
    ServerError,
)
from vozzoctl.pii import mask_phones_in

_SNIPPET = 200


def _text(body: bytes | str) -> str:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    return " ".join(text.split())


def _loc(loc: object) -> str:
    if not isinstance(loc, list | tuple):
        return str(loc)
    parts = [str(p) for p in loc]
    if len(parts) > 1 and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    return ".".join(parts)


def parse_error_body(
    body: bytes | str, clean: Callable[[str], str] = lambda text: text
) -> tuple[str, dict[str, list[str]]]:
    """(summary, messages by field) from any of the error shapes the API answers with:
    `{"detail": "text"}`, `{"detail": [{"loc", "msg", "type"}]}`,
    `{"success": false, "message", "errors": {field: [msgs]}}`, or something not JSON.
    `clean` (redaction, masking) runs on the whole body before anything is cut short, so no
    part of a secret survives a truncation."""
    text = _text(clean(_text(body)))
    try:
        data: Any = json.loads(text) if text else None
    except ValueError:
        return text[:_SNIPPET], {}
    fields: dict[str, list[str]] = {}
    summary = ""
    if isinstance(data, dict):
        detail = data.get("detail")
        if isinstance(detail, str):
            summary = detail
        elif isinstance(detail, list):
            for entry in detail:
                if isinstance(entry, dict):
                    field = _loc(entry.get("loc", ""))
                    fields.setdefault(field, []).append(str(entry.get("msg", entry)))
                else:
                    fields.setdefault("", []).append(str(entry))
        elif detail is not None:
            summary = json.dumps(detail, ensure_ascii=False)
        message = data.get("message")
        if isinstance(message, str) and not summary:
            summary = message
        errors = data.get("errors")
        if isinstance(errors, dict):
            for field, msgs in errors.items():
                items = msgs if isinstance(msgs, list) else [msgs]
                fields.setdefault(str(field), []).extend(str(m) for m in items)
        elif isinstance(errors, list):
            fields.setdefault("", []).extend(str(m) for m in errors)
        if not summary and not fields:
            summary = text[:_SNIPPET]
    elif data is not None:
        summary = text[:_SNIPPET]
    return summary, fields


def _join(summary: str, fields: dict[str, list[str]]) -> str:
    parts = [f"{f}: {m}" if f else m for f, msgs in fields.items() for m in msgs]
    if summary:
        parts.insert(0, summary)
    return "; ".join(parts)


def error_for_status(
    status: int,
    body: bytes | str,
    *,
    method: str,
    path: str,
    not_found: str,
    redact: Callable[[str], str] = lambda text: text,
) -> ApiError:
    """The error for a non-2xx answer. `not_found` names what a 404 means for this call,
    e.g. "campaign 'c578…' not found". `redact` removes the key, should the server echo it."""

    def clean(text: str) -> str:
        return mask_phones_in(redact(text))

    summary, fields = parse_error_body(body, clean)

    said = clean(_join(summary, fields))
    fields = {clean(f): [clean(m) for m in msgs] for f, msgs in fields.items()}
    ctx: dict[str, Any] = {"status": status, "method": method, "path": mask_phones_in(path)}
    where = f"{method} {ctx['path']}"
    if status == 401:
        return AuthError(
            f"the key was rejected by the Vozzo API (401{': ' + said if said else ''})",
            hint=KEY_HINT,
            **ctx,
        )
    if status == 403:
        return ForbiddenError(
            "the key is read-only: the Vozzo API refused to let it change campaigns "
            f"(403 on {where}{': ' + said if said else ''})",
            hint="use a key with the campaign:write permission for plan/apply writes",
            **ctx,
        )
    if status == 404:
        return NotFoundError(
            f"{mask_phones_in(not_found)} (404 on {where})",
            hint="check the id; `vozzoctl status` lists the campaigns the key can see",
            **ctx,
        )
    if status in (400, 422):
        return RequestRejectedError(
            f"the Vozzo API rejected {where} ({status}): {said or 'no reason given'}",
            fields=fields,
            hint="fix the fields named above; `vozzoctl validate` catches most of these offline",
            **ctx,
        )
    if status == 429:
        return RateLimitedError(
            f"the Vozzo API kept rate-limiting {where} (429) after every retry",
            hint="lower --concurrency or wait a minute and run it again",
            **ctx,
        )
    if status >= 500:
        return ServerError(
            f"the Vozzo API failed on {where} ({status}{': ' + said if said else ''})",
            hint="the service may be having trouble; run it again later",
            **ctx,
        )
    return ApiError(
        f"unexpected answer from the Vozzo API to {where} ({status}{': ' + said if said else ''})",
        **ctx,
    )
