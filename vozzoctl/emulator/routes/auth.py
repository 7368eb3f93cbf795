"""GET /v1alpha/auth/me: who the key belongs to (not in the older draft)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from vozzoctl.emulator import responses as doc
from vozzoctl.emulator.emulator import ORG_NAME, Emulator
from vozzoctl.emulator.routes.deps import Deps, Principal


def router(emu: Emulator, deps: Deps) -> APIRouter:
    router = APIRouter()
    legacy, reader = deps.legacy, deps.reader

    if not legacy:

        @router.get("/v1alpha/auth/me", tags=["auth"], responses=doc.responses(doc.Me))
        async def auth_me(who: Principal = reader) -> JSONResponse:
            """Who the key belongs to (the older draft's path; a client falls back to a list)."""
            started = emu.now().replace(microsecond=0)
            perms = ["campaign:read", "campaign:write"] if who.can_write else ["campaign:read"]
            return JSONResponse(
                {
                    "user_id": str(uuid.uuid5(uuid.NAMESPACE_URL, "vozzo-emulator:" + who.token)),
                    "email": "emulator@vozzo.invalid",
                    "name": "Vozzo Emulator",
                    "organization_id": who.org_id,
                    "organization_name": ORG_NAME,
                    "permissions": perms,
                    "created_at": datetime(2025, 1, 1, tzinfo=UTC).isoformat(),
                    "last_login": started.isoformat(),
                }
            )

    return router
