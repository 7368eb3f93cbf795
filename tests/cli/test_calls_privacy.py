"""`vozzoctl calls` without --show-pii: no phone-like string in full, `+` or not, anywhere;
no metadata at all. With --show-pii: everything, as the API has it."""

from __future__ import annotations

import json

import pytest

from tests.conftest import Vozzo
from vozzoctl.api.models import CallLog, ScheduledItemDetail
from vozzoctl.render.calls import call_json, call_text, page_json, page_text
from vozzoctl.status import CallRow, CallsPage

NUMBERS = ["9820012345", "98200 12345", "098200-12345", "919820012345", "(982) 001-2345"]


def detail() -> ScheduledItemDetail:
    return ScheduledItemDetail(
        scheduled_item_id="919820012345",
        to_phone_number="09820012345",
        agent_language="HI",
        metadata=json.dumps({"customer_name": "Priya Sharma", "alt": "98200 12345"}),
        status="COMPLETED",
        attempts=1,
        call_logs=(
            CallLog(
                attempt=1,
                outcome="callback 098200-12345",
                summary="Call on (982) 001-2345 or 9820012345 after 2026-12-01 09:30.",
            ),
        ),
    )


ROW = CallRow("c5785fa5-8bdd-4629-b7ef-1addfc4b44a5", "Promo 919820012345", detail())


def shown(show_pii: bool) -> str:
    page = CallsPage("promo", 1, 20, 1, (ROW,))
    return "\n".join(
        [
            call_text("promo", ROW, detail(), show_pii=show_pii),
            call_json("promo", ROW, detail(), show_pii=show_pii),
            page_text(page, show_pii=show_pii),
            page_json(page, show_pii=show_pii),
        ]
    )


def test_without_show_pii_no_number_and_no_metadata() -> None:
    text = shown(False)
    for number in NUMBERS:
        assert number not in text
    assert "Priya" not in text and "customer_name" not in text
    assert "metadata:      hidden (--show-pii shows it)" in text
    assert "2026-12-01 09:30" in text  # a date is not a number to hide
    assert "c5785fa5-8bdd-4629-b7ef-1addfc4b44a5" in text  # nor an id
    assert "******2345" in text


def test_with_show_pii_everything_as_the_api_has_it() -> None:
    text = shown(True)
    assert "Priya Sharma" in text and "(982) 001-2345" in text and "09820012345" in text


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_calls_of_a_live_key_hide_metadata(vozzo: Vozzo, fmt: str) -> None:
    vozzo.campaign("promo", phones=["+919820012345"], metadata={"customer_name": "Priya"})
    assert vozzo.run("apply", "--auto-approve").code == 0
    listing = json.loads(vozzo.run("calls", "promo", "--format", "json").out)
    item = listing["calls"][0]["scheduled_item_id"]
    hidden = vozzo.run("calls", "promo", item, "--format", fmt)
    assert hidden.code == 0, hidden.all
    assert "Priya" not in hidden.all and "9820012345" not in hidden.all
    full = vozzo.run("calls", "promo", item, "--format", fmt, "--show-pii")
    assert "Priya" in full.out and "+919820012345" in full.out
