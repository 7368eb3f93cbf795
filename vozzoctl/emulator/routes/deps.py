"""What every route needs: the caller (from `Authorization: Token <key>`), the campaign or agent
a path names, and the API's error shapes."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import Depends, Request
from fastapi.exceptions import HTTPException
from fastapi.responses import JSONResponse

from vozzoctl.emulator.emulator import ORG_ID, Emulator
from vozzoctl.emulator.records import Campaign
from vozzoctl.emulator.validation import Errors

_TOKEN_RE = re.compile(r"^Token ([^\s]+)$")
NOT_PROVIDED = "Authentication credentials were not provided."
INVALID_TOKEN = "Invalid token."
READ_ONLY = "You do not have permission to perform this action."


class Principal:
    __slots__ = ("can_write", "org_id", "token")

    def __init__(self, token: str, org_id: int, can_write: bool) -> None:
        self.token = token
        self.org_id = org_id
        self.can_write = can_write


@dataclass(frozen=True)
class Deps:
    """One emulator's dependencies: `reader` / `write` as route parameters' defaults."""

    legacy: bool
    reader: Any  # Depends(principal)
    write: Any  # Depends(writer): 403 for a read-only key
    campaign_or_404: Callable[[Principal, uuid.UUID, datetime], Campaign]
    agent_or_404: Callable[[uuid.UUID], str]


def make_deps(emu: Emulator) -> Deps:
    async def principal(request: Request) -> Principal:
        header = request.headers.get("authorization")
        if not header:
            raise HTTPException(401, NOT_PROVIDED, headers={"WWW-Authenticate": "Token"})
        m = _TOKEN_RE.match(header)
        token = m.group(1) if m else None
        if token is not None and token in emu.tokens:
            return Principal(token, ORG_ID, True)
        if token is not None and token in emu.read_only_tokens:
            return Principal(token, ORG_ID, False)
        raise HTTPException(401, INVALID_TOKEN, headers={"WWW-Authenticate": "Token"})

    async def writer(who: Principal = Depends(principal)) -> Principal:  # noqa: B008
        if not who.can_write:
            raise HTTPException(403, READ_ONLY)
        return who

    def campaign_or_404(who: Principal, campaign_id: uuid.UUID, now: datetime) -> Campaign:
        c = emu.store.get(who.org_id, str(campaign_id), now)
        if c is None:
            raise not_found("Campaign")
        return c

    def agent_or_404(agent_uuid: uuid.UUID) -> str:
        agent = str(agent_uuid)
        if agent not in emu.agents:
            raise not_found("Agent")
        return agent

    return Deps(
        legacy=emu.variant == "legacy",
        reader=Depends(principal),
        write=Depends(writer),
        campaign_or_404=campaign_or_404,
        agent_or_404=agent_or_404,
    )


def bad_request(errors: Errors) -> JSONResponse:
    first = next(iter(errors.values()))[0]
    field = next(iter(errors))
    message = first if len(errors) == 1 else f"{field}: {first} (and {len(errors) - 1} more)"
    return JSONResponse({"success": False, "message": message, "errors": errors}, status_code=400)


def not_found(what: str) -> HTTPException:
    return HTTPException(404, f"{what} not found.")


def json_invalid(e: ValueError | RecursionError) -> JSONResponse:
    pos = getattr(e, "pos", 0)
    return JSONResponse(
        {"detail": [{"loc": ["body", pos], "msg": "JSON decode error", "type": "json_invalid"}]},
        status_code=422,
    )
