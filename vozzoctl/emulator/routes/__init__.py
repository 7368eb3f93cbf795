"""The emulator's routes, one APIRouter per resource (FastAPI's "bigger applications" shape).

    deps       who is asking (the Token header), the campaign or agent a path names, error shapes
    auth       GET /v1alpha/auth/me
    campaigns  create, update, list, detail, analytics
    agents     campaigns by agent, their count
    items      a campaign's scheduled calls, one call with its logs

Each module's `router(emu, deps)` builds its router for one emulator (the variant decides which
routes and shapes it serves); `vozzoctl.emulator.app.create_app` includes them.
"""
