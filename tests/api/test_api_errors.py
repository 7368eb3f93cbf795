"""Each refusal maps to its error in vozzoctl.errors, with a message a person can act on,
whatever shape the body has, and without a full phone number or the key in it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import pytest
from api_fakes import AGENT, CID, KEY, RECIPIENTS, ClientFor, Recorder, settings

from vozzoctl.api import VozzoClient
from vozzoctl.api.failures import parse_error_body
from vozzoctl.errors import (
    ApiError,
    AuthError,
    ForbiddenError,
    NotFoundError,
    RequestRejectedError,
    ServerError,
    UsageError,
)

T = TypeVar("T")


def run(client: VozzoClient, fn: Callable[[VozzoClient], Awaitable[T]]) -> T:
    async def go() -> T:
        async with client:
            return await fn(client)

    return asyncio.run(go())


def fails(
    client_for: ClientFor,
    response: httpx.Response,
    fn: Callable[[VozzoClient], Awaitable[Any]],
    **kw: Any,
) -> tuple[ApiError, Recorder]:
    rec = Recorder(lambda _: response)
    with pytest.raises(ApiError) as info:
        run(client_for(rec, **kw), fn)
    error = info.value
    assert KEY not in str(error) and KEY not in (error.hint or "")
    return error, rec


def test_401_says_the_key_was_rejected_and_how_to_set_it(client_for: ClientFor) -> None:
    error, rec = fails(
        client_for,
        httpx.Response(401, json={"detail": "Invalid token."}),
        lambda c: c.get_campaign(CID),
    )
    assert isinstance(error, AuthError) and error.status == 401
    assert "the key was rejected" in error.message and "Invalid token." in error.message
    assert error.hint is not None and "VOZZO_API_KEY" in error.hint
    assert "`Token ` prefix is added for you" in error.hint
    assert len(rec.requests) == 1  # never retried


def test_a_bearer_key_is_refused_before_anything_is_sent(client_for: ClientFor) -> None:
    rec = Recorder(lambda _: httpx.Response(200, json={}))
    with pytest.raises(UsageError, match="looks like a `Bearer` token") as info:
        run(client_for(rec, api_key="Bearer abcdefgh"), lambda c: c.whoami())
    assert info.value.hint and "VOZZO_API_KEY" in info.value.hint
    assert rec.requests == []


def test_403_says_the_key_is_read_only(client_for: ClientFor) -> None:
    error, rec = fails(
        client_for,
        httpx.Response(403, json={"detail": "You do not have permission."}),
        lambda c: c.create_campaign(settings(), RECIPIENTS),
    )
    assert isinstance(error, ForbiddenError) and "read-only" in error.message
    assert len(rec.requests) == 1


def test_404_names_the_campaign_or_the_agent(client_for: ClientFor) -> None:
    gone = httpx.Response(404, json={"detail": "Campaign not found."})
    error, _ = fails(client_for, gone, lambda c: c.get_campaign(CID))
    assert isinstance(error, NotFoundError) and f"campaign '{CID}' not found" in error.message
    error, _ = fails(
        client_for,
        httpx.Response(404, json={"detail": "Agent not found."}),
        lambda c: c.create_campaign(settings(), RECIPIENTS),
    )
    assert isinstance(error, NotFoundError) and f"agent '{AGENT}' not found" in error.message
    error, _ = fails(client_for, gone, lambda c: c.count_by_agent(AGENT))
    assert f"agent '{AGENT}'" in error.message
    error, _ = fails(client_for, gone, lambda c: c.get_item(CID, "i-9"))
    assert "'i-9'" in error.message and CID in error.message


BODIES: list[tuple[int, Any, str, dict[str, list[str]]]] = [
    (
        422,
        {
            "detail": [
                {
                    "loc": ["body", "campaign_data", 0, "to_phone_number"],
                    "msg": "invalid phone number +91-1234567890",
                    "type": "value_error",
                },
                {"loc": ["path", "campaign_id"], "msg": "not a uuid", "type": "uuid_parsing"},
            ]
        },
        "campaign_data.0.to_phone_number: invalid phone number +91******7890",
        {
            "campaign_data.0.to_phone_number": ["invalid phone number +91******7890"],
            "campaign_id": ["not a uuid"],
        },
    ),
    (
        400,
        {
            "success": False,
            "message": "Validation failed",
            "errors": {
                "campaign_start_date": ["Start date must be today or later."],
                "metadata": "Metadata must be a valid JSON string",
            },
        },
        "Validation failed; campaign_start_date: Start date must be today or later.",
        {
            "campaign_start_date": ["Start date must be today or later."],
            "metadata": ["Metadata must be a valid JSON string"],
        },
    ),
    (400, {"detail": "campaign_end_time must be after start"}, "must be after start", {}),
    (400, "<html><body>Bad Request for +911234567890</body></html>", "+91******7890", {}),
    (400, "", "no reason given", {}),
]


@pytest.mark.parametrize(("status", "body", "said", "fields"), BODIES)
def test_400_and_422_carry_the_field_messages(
    client_for: ClientFor, status: int, body: Any, said: str, fields: dict[str, list[str]]
) -> None:
    response = (
        httpx.Response(status, text=body)
        if isinstance(body, str)
        else httpx.Response(status, json=body)
    )
    error, rec = fails(client_for, response, lambda c: c.create_campaign(settings(), RECIPIENTS))
    assert isinstance(error, RequestRejectedError) and error.status == status
    assert said in error.message
    assert "1234567890" not in error.message
    assert error.fields == fields
    assert len(rec.requests) == 1


def test_parse_error_body_odd_shapes() -> None:
    assert parse_error_body(b'["a", "b"]') == ('["a", "b"]', {})
    assert parse_error_body('{"detail": {"code": 7}}') == ('{"code": 7}', {})
    assert parse_error_body('{"errors": ["x"]}') == ("", {"": ["x"]})
    assert parse_error_body('{"other": 1}') == ('{"other": 1}', {})


def test_500_on_a_read_is_a_server_error_without_retry(client_for: ClientFor) -> None:
    error, rec = fails(
        client_for,
        httpx.Response(500, text="Internal Server Error"),
        lambda c: c.get_campaign(CID),
    )
    assert isinstance(error, ServerError) and "500" in error.message
    assert len(rec.requests) == 1


def test_an_unexpected_status_or_body_is_an_api_error(client_for: ClientFor) -> None:
    error, _ = fails(client_for, httpx.Response(302), lambda c: c.get_campaign(CID))
    assert type(error) is ApiError and "302" in error.message
    error, _ = fails(client_for, httpx.Response(200, text="<html>"), lambda c: c.get_campaign(CID))
    assert "not JSON" in error.message
    error, _ = fails(
        client_for,
        httpx.Response(200, json={"campaign_id": CID, "campaign_state": "WEIRD"}),
        lambda c: c.get_campaign(CID),
    )
    assert "campaign_state" in error.message
