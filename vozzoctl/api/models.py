"""The API's answers as pydantic models: tolerant readers of what vozzo-api.md describes.

Unknown fields are ignored and every field the docs only assume is optional, so a real service
that adds or omits a field does not break a read. Both documented spellings are accepted where the
older draft differs (`status`/`call_state`, `attempts`/`attempt_count`, `records`/`total_records`).
Pure: no httpx.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field

from vozzoctl.api.canonical import canonical_metadata, parse_hour
from vozzoctl.model import State

Hour = Annotated[int, BeforeValidator(parse_hour)]
Metadata = Annotated[str, BeforeValidator(canonical_metadata)]


class ApiModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class Identity(ApiModel):
    """Who the key belongs to; `known` is False when the service has no `auth/me` but the key
    was accepted by another read."""

    known: bool = True
    user_id: str | None = None
    email: str | None = None
    name: str | None = None
    organization_id: int | None = None
    organization_name: str | None = None
    permissions: tuple[str, ...] = ()
    created_at: datetime | None = None
    last_login: datetime | None = None

    @property
    def can_write(self) -> bool | None:
        """True/False when the permissions are known, None when they are not."""
        if not self.known or not self.permissions:
            return None
        return "campaign:write" in self.permissions


class CreatedCampaign(ApiModel):
    """What a create answers, whichever of the two documented shapes it came in."""

    campaign_id: str
    campaign_state: State | None = None
    total_records: int | None = Field(
        default=None, validation_alias=AliasChoices("total_records", "records")
    )


class RetryOptions(ApiModel):
    max_calls_total: int | None = None
    max_calls_in_a_day: int | None = None
    retry_delay: int | None = None


class TimeslotSettings(ApiModel):
    timezone: str | None = None
    allow_on_weekends: bool | None = None
    start_time: Hour | None = None
    end_time: Hour | None = None


class CampaignConfig(ApiModel):
    campaign_name: str | None = None
    retry_options: RetryOptions = RetryOptions()
    timeslot_settings: TimeslotSettings = TimeslotSettings()
    metadata: dict[str, Any] | None = None
    preferred_timeslot: str | None = None


class Campaign(ApiModel):
    """A full campaign object: detail, by-agent rows and the update answer's `data`."""

    campaign_id: str
    campaign_state: State
    org_id: int | None = None
    agent_id: str | None = None
    campaign_name: str | None = None  # by-agent rows may carry it at the top level
    campaign_start_date: date | None = None
    campaign_end_date: date | None = None
    campaign_config: CampaignConfig = CampaignConfig()
    created_at: datetime | None = None
    updated_at: datetime | None = None
    total_records: int | None = None
    processed_records: int | None = None


class CampaignSummary(ApiModel):
    """One row of the list endpoint."""

    campaign_id: str
    campaign_name: str | None = None
    campaign_state: State
    agent_id: str | None = None
    created_at: datetime | None = None
    total_records: int | None = None
    processed_records: int | None = None


class Goal(ApiModel):
    achieved: int = 0
    total: int = 0


class Analytics(ApiModel):
    campaign_id: str | None = None
    total_records: int | None = None
    processed_records: int | None = None
    calls_attempted: int | None = None
    calls_connected: int | None = None
    categories: dict[str, int] = {}
    goals: dict[str, Goal] = {}
    success_criteria: dict[str, int] = {}
    tags: dict[str, int] = {}


class AgentCount(ApiModel):
    agent_uuid: str | None = None
    total_campaigns: int | None = None
    active_campaigns: int | None = None
    completed_campaigns: int | None = None


class ScheduledItem(ApiModel):
    """One scheduled call. `agent_language` is None on the older draft's list rows."""

    scheduled_item_id: str
    to_phone_number: str
    agent_language: str | None = None
    metadata: Metadata = "{}"
    status: str | None = Field(default=None, validation_alias=AliasChoices("status", "call_state"))
    attempts: int | None = Field(
        default=None, validation_alias=AliasChoices("attempts", "attempt_count")
    )
    last_attempt_at: datetime | None = None
    next_attempt_at: datetime | None = None


class CallLog(ApiModel):
    attempt: int | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    duration_seconds: int | None = None
    outcome: str | None = None
    summary: str | None = None


class ScheduledItemDetail(ScheduledItem):
    call_logs: tuple[CallLog, ...] = ()
