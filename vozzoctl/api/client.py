"""The async client of the Vozzo Campaign API (vozzo-api.md): one method per endpoint.

    async with VozzoClient("https://backend.vozzo.ai", api_key_from_env()) as client:
        me = await client.whoami()
        async for row in client.list_campaigns(state=State.RUNNING):
            ...

By concern: `transport` sends every request (concurrency, retries, errors), `reads` the single
resources and plain lists, `agents` the strict reads by agent that decide what exists, and
`writes` create and update. Requests run at most `concurrency` at a time; reads and updates are
retried, a create never is unless the failure proves it was not processed. `transport=` is the
test seam (httpx.MockTransport, httpx.ASGITransport over the emulator).
"""

from __future__ import annotations

from vozzoctl.api.agents import AgentCampaigns, AgentReads
from vozzoctl.api.reads import Reads
from vozzoctl.api.transport import DEFAULT_BASE_URL, MAX_PAGE_SIZE
from vozzoctl.api.writes import Writes

__all__ = ["DEFAULT_BASE_URL", "MAX_PAGE_SIZE", "AgentCampaigns", "VozzoClient"]


class VozzoClient(Writes, AgentReads, Reads):
    """An async client of the Vozzo Campaign API. Use as `async with VozzoClient(...) as c:`.

    `api_key` defaults to `VOZZO_API_KEY`; it may carry the `Token ` prefix or not.
    `sleep` and `rng` are the retry loop's clock and dice, injectable for tests.
    `requests` counts the requests sent (each retry too) by method.
    """
