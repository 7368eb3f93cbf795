"""The shapes of the emulator's answers, for its OpenAPI document: a client generator's input.

Handlers render plain dicts (no response-model validation on the hot path); these models only
describe them, and tests/emulator/test_openapi.py checks every answer against the document.
Every operation declares its success model, the errors it can answer (400 / 401 / 403 / 404 /
413 / 422 with their bodies) and what any request may meet: 429 with `Retry-After`, 500 (plain
text, after a committed write), 5XX. The `Token` security scheme is `Authorization: Token <key>`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

_EXACT = ConfigDict(extra="forbid")
StateName = Literal["TO_START", "RUNNING", "SUSPENDED", "COMPLETED", "ENDED"]
ItemStatus = Literal["SCHEDULED", "IN_PROGRESS", "COMPLETED", "FAILED", "CANCELLED"]
Outcome = Literal["ANSWERED", "NO_ANSWER", "BUSY", "FAILED"]
HOUR = r"^([01][0-9]|2[0-3])$"


# ---- errors -----------------------------------------------------------------------------------


class Detail(BaseModel):
    """401, 403, 404, 413, 429 and 5XX: `{"detail": text}`."""

    model_config = _EXACT
    detail: str


class ValidationProblem(BaseModel):
    model_config = _EXACT
    loc: list[str | int]
    msg: str
    type: str


class ValidationDetail(BaseModel):
    """422: the request could not be read (a parameter of the wrong type, a body not JSON)."""

    model_config = _EXACT
    detail: list[ValidationProblem]


class BadRequest(BaseModel):
    """400: a create or update the API refuses, field by field."""

    model_config = _EXACT
    success: Literal[False]
    message: str
    errors: dict[str, list[str]]


# ---- answers ----------------------------------------------------------------------------------


class Me(BaseModel):
    model_config = _EXACT
    user_id: UUID
    email: str
    name: str
    organization_id: int
    organization_name: str
    permissions: list[Literal["campaign:read", "campaign:write"]]
    created_at: datetime
    last_login: datetime


class CreatedData(BaseModel):
    model_config = _EXACT
    campaign_id: UUID
    campaign_state: Literal["TO_START"]
    total_records: int = Field(ge=1)


class Created(BaseModel):
    model_config = _EXACT
    success: Literal[True]
    message: str
    data: CreatedData


class RetryOptions(BaseModel):
    model_config = _EXACT
    max_calls_total: int = Field(ge=1, le=5)
    max_calls_in_a_day: int = Field(ge=1, le=5)
    retry_delay: int = Field(ge=0, description="Minutes between attempts.")


class TimeslotSettings(BaseModel):
    model_config = _EXACT
    timezone: Literal["IST"]
    allow_on_weekends: bool
    start_time: str = Field(pattern=HOUR)
    end_time: str = Field(pattern=HOUR)


class CampaignConfig(BaseModel):
    model_config = _EXACT
    campaign_name: str
    retry_options: RetryOptions
    metadata: dict[str, Any]
    timeslot_settings: TimeslotSettings
    preferred_timeslot: str
    encrypted_data: bool
    internal_auth: bool
    org_id: int | None
    post_call_action: Any


class CampaignObject(BaseModel):
    """A campaign in detail, update and by-agent answers."""

    model_config = _EXACT
    campaign_id: UUID
    org_id: int
    agent_id: UUID
    campaign_state: StateName
    campaign_start_date: date
    campaign_end_date: date | None
    campaign_config: CampaignConfig
    created_at: datetime
    updated_at: datetime
    total_records: int = Field(ge=0)
    processed_records: int = Field(ge=0)


class Updated(BaseModel):
    model_config = _EXACT
    success: Literal[True]
    message: str
    data: CampaignObject


class CampaignRow(BaseModel):
    model_config = _EXACT
    campaign_id: UUID
    campaign_name: str
    campaign_state: StateName
    agent_id: UUID
    created_at: datetime
    total_records: int = Field(ge=0)
    processed_records: int = Field(ge=0)


class CampaignList(BaseModel):
    """Paged by limit and offset."""

    model_config = _EXACT
    campaigns: list[CampaignRow]
    total: int = Field(ge=0)
    limit: int = Field(ge=1, le=100)
    offset: int = Field(ge=0)


class AgentCampaigns(BaseModel):
    """Paged by page and page_size."""

    model_config = _EXACT
    campaigns: list[CampaignObject]
    page: int = Field(ge=1)
    page_size: int = Field(ge=1, le=100)
    total: int = Field(ge=0)


class AgentCount(BaseModel):
    model_config = _EXACT
    agent_uuid: UUID
    total_campaigns: int = Field(ge=0)
    active_campaigns: int = Field(ge=0)
    completed_campaigns: int = Field(ge=0)


class Goal(BaseModel):
    model_config = _EXACT
    achieved: int = Field(ge=0)
    total: int = Field(ge=0)


class Analytics(BaseModel):
    """Figures from the campaign's finished calls (the shape is assumed: vozzo-api.md)."""

    model_config = _EXACT
    campaign_id: UUID
    total_records: int = Field(ge=0)
    processed_records: int = Field(ge=0)
    calls_attempted: int = Field(ge=0)
    calls_connected: int = Field(ge=0)
    categories: dict[str, int]
    goals: dict[str, Goal]
    success_criteria: dict[str, int]
    tags: dict[str, int]


class ItemRow(BaseModel):
    model_config = _EXACT
    scheduled_item_id: UUID
    to_phone_number: str = Field(pattern=r"^\+[1-9][0-9]{6,14}$")
    agent_language: str
    metadata: str = Field(description="A JSON object, as the create sent it.")
    status: ItemStatus
    attempts: int = Field(ge=0)
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None


class ItemPage(BaseModel):
    model_config = _EXACT
    items: list[ItemRow]
    page: int = Field(ge=1)
    page_size: int = Field(ge=1, le=100)
    total: int = Field(ge=0)


class CallLog(BaseModel):
    model_config = _EXACT
    attempt: int = Field(ge=1)
    started_at: datetime
    ended_at: datetime
    duration_seconds: int = Field(ge=0)
    outcome: Outcome
    summary: str


class ItemDetail(ItemRow):
    call_logs: list[CallLog]


# ---- what each operation declares -----------------------------------------------------------

_ERRORS: dict[int, tuple[type[BaseModel], str]] = {
    400: (BadRequest, "Refused, field by field."),
    401: (Detail, "Missing or invalid `Authorization: Token <key>`."),
    403: (Detail, "A read-only key."),
    404: (Detail, "Not found (the operation says what)."),
    413: (Detail, "The body is over 10 MB."),
    422: (ValidationDetail, "A parameter of the wrong type, or a body that is not JSON."),
    429: (Detail, "Throttled: wait `Retry-After` seconds."),
}
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}}


def responses(
    ok: type[BaseModel], *errors: int, status: int = 200, not_found: str = ""
) -> dict[int | str, dict[str, Any]]:
    """The `responses` of one operation: its success model, its own errors, and what every
    request may meet (401, 422, 429, 500, 5XX)."""
    out: dict[int | str, dict[str, Any]] = {status: {"model": ok, "description": ok.__doc__ or ""}}
    for code in sorted({401, 422, 429, *errors}):
        model, text = _ERRORS[code]
        out[code] = {
            "model": model,
            "description": not_found if code == 404 and not_found else text,
        }
        if code == 429:
            out[code]["headers"] = _RETRY_AFTER
    out[500] = {
        "description": "A server error; a write may still have been committed.",
        "content": {"text/plain": {"schema": {"type": "string"}}},
    }
    out["5XX"] = {"model": Detail, "description": "Service unavailable; retry later."}
    return out


# ---- the document -----------------------------------------------------------------------------

TOKEN_SCHEME = {
    "type": "apiKey",
    "in": "header",
    "name": "Authorization",
    "description": "`Token <key>`: the key from the Vozzo platform, after the word Token.",
}
_D = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
# update-campaign reads every input as query text and answers 400 (not 422) for a bad value, as
# the API does; the document states what is valid.
UPDATE_PARAMETERS: dict[str, tuple[bool, dict[str, Any]]] = {
    "campaign_allow_weekends": (True, {"type": "string", "enum": ["true", "false"]}),
    "campaign_status": (
        False,
        {"type": "string", "enum": ["TO_START", "RUNNING", "SUSPENDED", "ENDED"]},
    ),
    "campaign_start_date": (False, {"type": "string", "format": "date", "pattern": _D}),
    "campaign_end_date": (False, {"type": "string", "format": "date", "pattern": _D}),
    "campaign_max_retry": (False, {"type": "string", "enum": ["1", "2", "3", "4", "5"]}),
    "campaign_max_retry_per_day": (False, {"type": "string", "enum": ["1", "2", "3", "4", "5"]}),
    "campaign_start_time": (False, {"type": "string", "pattern": HOUR}),
    "campaign_end_time": (False, {"type": "string", "pattern": HOUR}),
}


def finish(doc: dict[str, Any]) -> dict[str, Any]:
    """The generated document with the Token scheme required everywhere, and update's query
    parameters typed and bounded."""
    doc.setdefault("components", {})["securitySchemes"] = {"Token": TOKEN_SCHEME}
    doc["security"] = [{"Token": []}]
    schemas = doc["components"].get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)  # FastAPI's default 422, replaced by ValidationDetail
    for item in doc["paths"].values():
        for op in item.values():
            for param in op.get("parameters", []):
                if param["in"] == "query" and param["name"] in UPDATE_PARAMETERS:
                    required, schema = UPDATE_PARAMETERS[param["name"]]
                    param["required"] = required
                    param["schema"] = schema
                options = param["schema"].get("anyOf", [])
                if not param.get("required") and {"type": "null"} in options and len(options) == 2:
                    # an optional parameter is left out, never sent as null
                    [param["schema"]] = [o for o in options if o != {"type": "null"}]
    return doc
