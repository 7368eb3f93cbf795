"""The Vozzo Campaign API client: endpoints, pagination, retries, error mapping.

`mapping` holds the field mapping both ways and is pure, for the planner; `client` speaks HTTP.
"""

from __future__ import annotations

import sys

# httpx imports its own command-line client when it is imported, if it can: rich and pygments,
# 40 ms, a twentieth of a plan of 1,000 campaigns. vozzoctl never runs it. None in sys.modules
# makes that optional import fail, as httpx expects it may (`httpx.main` then says the CLI is
# not installed); the `httpx` command, a process of its own, is untouched.
if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

from vozzoctl.api.auth import ApiKey, api_key_from_env, check_base_url
from vozzoctl.api.client import DEFAULT_BASE_URL, AgentCampaigns, VozzoClient
from vozzoctl.api.mapping import LiveCampaign
from vozzoctl.api.models import (
    AgentCount,
    Analytics,
    Campaign,
    CampaignSummary,
    CreatedCampaign,
    Identity,
    ScheduledItem,
    ScheduledItemDetail,
)
from vozzoctl.api.retry import NO_RETRY, RetryPolicy

__all__ = [
    "DEFAULT_BASE_URL",
    "NO_RETRY",
    "AgentCampaigns",
    "AgentCount",
    "Analytics",
    "ApiKey",
    "Campaign",
    "CampaignSummary",
    "CreatedCampaign",
    "Identity",
    "LiveCampaign",
    "RetryPolicy",
    "ScheduledItem",
    "ScheduledItemDetail",
    "VozzoClient",
    "api_key_from_env",
    "check_base_url",
]
