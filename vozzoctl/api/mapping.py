"""The field mapping between vozzoctl's values and the Vozzo API, both ways, in one place.

    Settings + recipients ──create_body()──▶ POST /v1alpha/campaign body
    Settings (some fields) ──update_params()──▶ update-campaign query parameters
    Campaign (detail, by-agent, update answer) ──live_campaign()──▶ LiveCampaign
    ScheduledItem ──recipient_from_item() / item_matches()──▶ compared with a Recipient

Pure functions (no httpx, no I/O) so the planner can use them to say exactly what will be sent.
Where the API reads a value back under another name (vozzo-api.md, "Field mapping"):

    create / update            read back at
    agent_uuid                 agent_id
    campaign_name              campaign_config.campaign_name, or campaign_name (list rows)
    campaign_start_time/_end   campaign_config.timeslot_settings.start_time / end_time
    campaign_allow_weekends    campaign_config.timeslot_settings.allow_on_weekends
    campaign_max_retry         campaign_config.retry_options.max_calls_total
    campaign_max_retry_per_day campaign_config.retry_options.max_calls_in_a_day (= total if unset)
    campaign_status            campaign_state
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from vozzoctl.api.canonical import canonical_metadata, format_hour, parse_hour
from vozzoctl.api.models import Campaign, ScheduledItem
from vozzoctl.errors import ApiError
from vozzoctl.model import Recipient, Settings, State

__all__ = [
    "UPDATABLE_FIELDS",
    "LiveCampaign",
    "canonical_metadata",
    "create_body",
    "format_hour",
    "item_matches",
    "live_campaign",
    "parse_hour",
    "recipient_body",
    "recipient_from_item",
    "update_params",
    "update_params_for",
]

# Settings attribute → update-campaign query parameter. Name and agent are absent on purpose:
# no call can change them.
UPDATABLE_FIELDS: dict[str, str] = {
    "state": "campaign_status",
    "start_date": "campaign_start_date",
    "end_date": "campaign_end_date",
    "start_hour": "campaign_start_time",
    "end_hour": "campaign_end_time",
    "allow_weekends": "campaign_allow_weekends",
    "max_retry": "campaign_max_retry",
    "max_retry_per_day": "campaign_max_retry_per_day",
}


@dataclass(frozen=True, slots=True)
class LiveCampaign:
    """A campaign as the API holds it, in the same terms as `vozzoctl.model.Settings`."""

    campaign_id: str
    name: str
    agent_id: str | None  # detail carries it only by assumption; by-agent rows always have it
    state: State
    start_date: date
    end_date: date | None
    start_hour: int
    end_hour: int
    allow_weekends: bool
    max_retry: int
    max_retry_per_day: int
    total_records: int | None = None
    processed_records: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def to_settings(self, agent_uuid: str | None = None) -> Settings:
        """The Settings this campaign has; `agent_uuid` stands in when the read carried none."""
        agent = self.agent_id or agent_uuid
        if agent is None:
            raise ValueError(f"campaign {self.campaign_id} was read without its agent_id")
        return Settings(
            campaign_name=self.name,
            agent_uuid=agent,
            start_date=self.start_date,
            end_date=self.end_date,
            start_hour=self.start_hour,
            end_hour=self.end_hour,
            allow_weekends=self.allow_weekends,
            max_retry=self.max_retry,
            max_retry_per_day=self.max_retry_per_day,
            state=self.state,
        )


def _bool(value: bool) -> str:
    return "true" if value else "false"


def recipient_body(recipient: Recipient) -> dict[str, str]:
    """One `campaign_data` entry; metadata goes as a JSON *string*, never as an object."""
    return {
        "to_phone_number": recipient.phone,
        "agent_language": recipient.language,
        "metadata": canonical_metadata(recipient.metadata),
    }


def create_body(settings: Settings, recipients: Sequence[Recipient]) -> dict[str, Any]:
    """The JSON body of `POST /v1alpha/campaign`. A new campaign always starts in TO_START:
    any other desired state is a later update."""
    body: dict[str, Any] = {
        "agent_uuid": settings.agent_uuid,
        "campaign_name": settings.campaign_name,
        "campaign_start_date": settings.start_date.isoformat(),
    }
    if settings.end_date is not None:
        body["campaign_end_date"] = settings.end_date.isoformat()
    body.update(
        {
            "campaign_start_time": format_hour(settings.start_hour),
            "campaign_end_time": format_hour(settings.end_hour),
            "campaign_allow_weekends": settings.allow_weekends,
            "campaign_max_retry": settings.max_retry,
            "campaign_max_retry_per_day": settings.max_retry_per_day,
            "campaign_data": [recipient_body(r) for r in recipients],
        }
    )
    return body


def update_params(
    *,
    allow_weekends: bool,
    state: State | None = None,
    start_date: date | None = None,
    end_date: date | None = None,
    start_hour: int | None = None,
    end_hour: int | None = None,
    max_retry: int | None = None,
    max_retry_per_day: int | None = None,
) -> dict[str, str]:
    """The query of update-campaign: only the fields given, plus `campaign_allow_weekends`,
    which the API requires on every call (send the current value to keep it)."""
    params: dict[str, str] = {}
    if state is not None:
        params["campaign_status"] = State(state).value
    if start_date is not None:
        params["campaign_start_date"] = start_date.isoformat()
    if end_date is not None:
        params["campaign_end_date"] = end_date.isoformat()
    if start_hour is not None:
        params["campaign_start_time"] = format_hour(start_hour)
    if end_hour is not None:
        params["campaign_end_time"] = format_hour(end_hour)
    if max_retry is not None:
        params["campaign_max_retry"] = str(max_retry)
    if max_retry_per_day is not None:
        params["campaign_max_retry_per_day"] = str(max_retry_per_day)
    params["campaign_allow_weekends"] = _bool(allow_weekends)
    return params


def update_params_for(settings: Settings, fields: Iterable[str]) -> dict[str, str]:
    """The update query that brings a campaign to `settings` in the named Settings fields
    (`allow_weekends` is always sent, with the desired value).

    Raises ValueError for a field no update can change (name, agent) and for clearing
    `end_date`, which the API cannot do in place.
    """
    chosen = set(fields)
    unknown = chosen - UPDATABLE_FIELDS.keys()
    if unknown:
        raise ValueError(f"no update can change {', '.join(sorted(unknown))}")
    if "end_date" in chosen and settings.end_date is None:
        raise ValueError("the API cannot clear a campaign's end_date in place")
    return update_params(
        allow_weekends=settings.allow_weekends,
        state=settings.state if "state" in chosen else None,
        start_date=settings.start_date if "start_date" in chosen else None,
        end_date=settings.end_date if "end_date" in chosen else None,
        start_hour=settings.start_hour if "start_hour" in chosen else None,
        end_hour=settings.end_hour if "end_hour" in chosen else None,
        max_retry=settings.max_retry if "max_retry" in chosen else None,
        max_retry_per_day=settings.max_retry_per_day if "max_retry_per_day" in chosen else None,
    )


def live_campaign(campaign: Campaign) -> LiveCampaign:
    """A campaign object read back (detail, by-agent row, update answer) → LiveCampaign.

    Raises ApiError when the object lacks a field the docs show in every campaign object:
    a plan made without it would be a guess.
    """
    config = campaign.campaign_config
    slot = config.timeslot_settings
    retry = config.retry_options
    name = config.campaign_name or campaign.campaign_name
    if (  # every one is there, the common case: no table of them made per campaign
        name is None
        or campaign.campaign_start_date is None
        or slot.start_time is None
        or slot.end_time is None
        or slot.allow_on_weekends is None
        or retry.max_calls_total is None
    ):
        required: dict[str, object] = {
            "campaign_config.campaign_name": name,
            "campaign_start_date": campaign.campaign_start_date,
            "campaign_config.timeslot_settings.start_time": slot.start_time,
            "campaign_config.timeslot_settings.end_time": slot.end_time,
            "campaign_config.timeslot_settings.allow_on_weekends": slot.allow_on_weekends,
            "campaign_config.retry_options.max_calls_total": retry.max_calls_total,
        }
        missing = [k for k, v in required.items() if v is None]
        raise ApiError(
            f"the API's answer for campaign {campaign.campaign_id} lacks {', '.join(missing)}",
            hint="the service may have changed its campaign shape; run with -v and report it",
        )
    return LiveCampaign(
        campaign_id=campaign.campaign_id,
        name=name,
        agent_id=campaign.agent_id,
        state=campaign.campaign_state,
        start_date=campaign.campaign_start_date,
        end_date=campaign.campaign_end_date,
        start_hour=slot.start_time,
        end_hour=slot.end_time,
        allow_weekends=slot.allow_on_weekends,
        max_retry=retry.max_calls_total,
        # The API reads max_calls_in_a_day back equal to max_calls_total when it was not set.
        max_retry_per_day=retry.max_calls_in_a_day or retry.max_calls_total,
        total_records=campaign.total_records,
        processed_records=campaign.processed_records,
        created_at=campaign.created_at,
        updated_at=campaign.updated_at,
    )


def recipient_from_item(item: ScheduledItem, default_language: str = "EN") -> Recipient:
    """The Recipient a scheduled call was made from. The older draft's list rows carry no
    language: `default_language` stands in (compare with `item_matches` to avoid guessing)."""
    return Recipient(
        phone=item.to_phone_number,
        language=(item.agent_language or default_language).upper(),
        metadata=item.metadata,
    )


def item_matches(item: ScheduledItem, recipient: Recipient) -> bool:
    """Whether a scheduled call holds this recipient, comparing only the fields the row has."""
    if item.to_phone_number != recipient.phone:
        return False
    if item.agent_language is not None and item.agent_language.upper() != recipient.language:
        return False
    return item.metadata == canonical_metadata(recipient.metadata)
