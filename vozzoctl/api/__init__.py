"""The Vozzo Campaign API client: endpoints, pagination, retries, error mapping.

`mapping` holds the field mapping both ways and is pure, for the planner; `client` speaks HTTP.
"""

from __future__ import annotations

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
