from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from api_fakes import AGENT, CID, RECIPIENTS, campaign_json, settings

from vozzoctl.api.canonical import parse_hour
from vozzoctl.api.mapping import (
    canonical_metadata,
    create_body,
    item_matches,
    live_campaign,
    recipient_from_item,
    update_params,
    update_params_for,
)
from vozzoctl.api.models import Campaign, ScheduledItem
from vozzoctl.errors import ApiError
from vozzoctl.model import Recipient, State


def test_create_body_is_the_documented_request() -> None:
    assert create_body(settings(), RECIPIENTS) == {
        "agent_uuid": AGENT,
        "campaign_name": "Winter Promotion 2026",
        "campaign_start_date": "2026-12-01",
        "campaign_end_date": "2026-12-31",
        "campaign_start_time": "09",
        "campaign_end_time": "18",
        "campaign_allow_weekends": False,
        "campaign_max_retry": 3,
        "campaign_max_retry_per_day": 1,
        "campaign_data": [
            {
                "to_phone_number": "+911234567890",
                "agent_language": "EN",
                "metadata": '{"customer_name":"John Doe"}',
            },
            {"to_phone_number": "+919876543210", "agent_language": "HI", "metadata": "{}"},
        ],
    }


def test_create_body_leaves_out_an_open_end_date_and_pads_hours() -> None:
    body = create_body(settings(end_date=None, start_hour=0, end_hour=7), RECIPIENTS[:1])
    assert "campaign_end_date" not in body
    assert (body["campaign_start_time"], body["campaign_end_time"]) == ("00", "07")


def test_metadata_is_sent_as_canonical_json_string() -> None:
    body = create_body(settings(), [Recipient("+911234567890", "EN", '{ "b": 1, "a": "é" }')])
    assert body["campaign_data"][0]["metadata"] == '{"a":"é","b":1}'


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('{"b": 2, "a": {"z": 1, "y": [1, 2]}}', '{"a":{"y":[1,2],"z":1},"b":2}'),
        ({"b": 2, "a": 1}, '{"a":1,"b":2}'),
        (None, "{}"),
        ("", "{}"),
        ("not json", "not json"),
    ],
)
def test_canonical_metadata(value: object, expected: str) -> None:
    assert canonical_metadata(value) == expected  # type: ignore[arg-type]


def test_update_params_hold_only_the_fields_given_and_always_weekends() -> None:
    assert update_params(allow_weekends=True) == {"campaign_allow_weekends": "true"}
    assert update_params(
        allow_weekends=False,
        state=State.RUNNING,
        start_date=date(2026, 1, 1),
        end_date=date(2026, 1, 14),
        start_hour=9,
        end_hour=18,
        max_retry=4,
        max_retry_per_day=2,
    ) == {
        "campaign_status": "RUNNING",
        "campaign_start_date": "2026-01-01",
        "campaign_end_date": "2026-01-14",
        "campaign_start_time": "09",
        "campaign_end_time": "18",
        "campaign_max_retry": "4",
        "campaign_max_retry_per_day": "2",
        "campaign_allow_weekends": "false",
    }


def test_update_params_for_named_settings_fields() -> None:
    s = settings(state=State.SUSPENDED, allow_weekends=True)
    assert update_params_for(s, ["state", "end_hour"]) == {
        "campaign_status": "SUSPENDED",
        "campaign_end_time": "18",
        "campaign_allow_weekends": "true",
    }
    with pytest.raises(ValueError, match="campaign_name"):
        update_params_for(s, ["campaign_name"])
    with pytest.raises(ValueError, match="end_date"):
        update_params_for(settings(end_date=None), ["end_date"])


def test_live_campaign_from_detail_maps_every_field() -> None:
    live = live_campaign(Campaign.model_validate(campaign_json()))
    assert live.campaign_id == CID
    assert live.name == "TEST"
    assert live.agent_id == AGENT
    assert live.state is State.SUSPENDED
    assert (live.start_date, live.end_date) == (date(2026, 1, 1), date(2026, 1, 14))
    assert (live.start_hour, live.end_hour, live.allow_weekends) == (9, 18, False)
    assert (live.max_retry, live.max_retry_per_day) == (4, 2)
    assert (live.total_records, live.processed_records) == (150, 75)
    assert live.created_at == datetime(2026, 1, 1, 8, tzinfo=timezone.utc)  # noqa: UP017
    s = live.to_settings()
    assert (s.campaign_name, s.agent_uuid, s.max_retry_per_day, s.state) == (
        "TEST",
        AGENT,
        2,
        State.SUSPENDED,
    )


def test_live_campaign_tolerates_the_variants() -> None:
    raw = campaign_json(campaign_name="Top level", campaign_end_date=None, extra_field=1)
    del raw["agent_id"], raw["created_at"], raw["total_records"]
    raw["campaign_config"] = {
        "retry_options": {"max_calls_total": 3},
        "timeslot_settings": {"allow_on_weekends": True, "start_time": 8, "end_time": "20:00"},
    }
    live = live_campaign(Campaign.model_validate(raw))
    assert live.name == "Top level"
    assert live.end_date is None and live.agent_id is None and live.created_at is None
    assert (live.start_hour, live.end_hour, live.allow_weekends) == (8, 20, True)
    assert live.max_retry_per_day == 3  # read back equal to the total when not set
    assert live.to_settings(agent_uuid=AGENT).agent_uuid == AGENT
    with pytest.raises(ValueError, match="agent_id"):
        live.to_settings()


def test_live_campaign_refuses_an_object_without_its_schedule() -> None:
    raw = campaign_json()
    raw["campaign_config"] = {"campaign_name": "X"}
    with pytest.raises(ApiError, match="start_time"):
        live_campaign(Campaign.model_validate(raw))


def test_items_in_both_spellings_compare_with_recipients() -> None:
    new = ScheduledItem.model_validate(
        {
            "scheduled_item_id": "i1",
            "to_phone_number": "+911234567890",
            "agent_language": "EN",
            "metadata": '{"customer_name": "John Doe"}',
            "status": "SCHEDULED",
            "attempts": 0,
            "next_attempt_at": (datetime(2026, 1, 1) + timedelta(hours=9)).isoformat(),
        }
    )
    old = ScheduledItem.model_validate(
        {
            "scheduled_item_id": "i1",
            "to_phone_number": "+911234567890",
            "metadata": {"customer_name": "John Doe"},
            "call_state": "COMPLETED",
            "attempt_count": 2,
        }
    )
    assert new.metadata == old.metadata == '{"customer_name":"John Doe"}'
    assert (old.status, old.attempts, old.agent_language) == ("COMPLETED", 2, None)
    for item in (new, old):
        assert item_matches(item, RECIPIENTS[0])
        assert not item_matches(item, Recipient("+911234567890", "EN", "{}"))
    assert not item_matches(new, Recipient("+911234567890", "HI", RECIPIENTS[0].metadata))
    assert item_matches(old, Recipient("+911234567890", "HI", RECIPIENTS[0].metadata))
    assert recipient_from_item(new) == RECIPIENTS[0]
    assert recipient_from_item(old, default_language="HI").language == "HI"


@pytest.mark.parametrize(
    ("text", "hour"), [("09", 9), ("9", 9), ("09:00", 9), (" 18 ", 18), ("18:00:00", 18), (7, 7)]
)
def test_an_hour_reads_the_same_every_time(text: object, hour: int) -> None:
    # the texts read are kept (two per campaign read): a second read gives the same answer
    assert parse_hour(text) == hour
    assert parse_hour(text) == hour


@pytest.mark.parametrize("text", ["24", "9am", "", True, None, "7.5"])
def test_an_hour_not_understood_is_refused_every_time(text: object) -> None:
    for _ in range(2):  # a refusal is never kept as an answer
        with pytest.raises(ValueError):
            parse_hour(text)
