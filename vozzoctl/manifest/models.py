"""The manifest format as pydantic models: the source of validation and of the JSON Schema.

Each field's type (fields.py) checks its own value and says what would be valid; the loader
turns pydantic's errors into located diagnostics. Recipients are declared here for the schema
but checked by the loader in one fast loop, since a campaign may hold a hundred thousand of them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from vozzoctl.manifest.fields import (
    AgentId,
    Attempts,
    CampaignName,
    Compliance,
    Flag,
    Hour,
    IsoDate,
    Key,
    Labels,
    Language,
    Metadata,
    PathList,
    StateName,
)

_STRICT = ConfigDict(extra="forbid", frozen=True)


class Schedule(BaseModel):
    """When calls may be placed: dates, a daily window of whole hours in IST, weekends."""

    model_config = _STRICT
    start_date: IsoDate = Field(description="First day of calls; today or later when created.")
    end_date: IsoDate | None = Field(None, description="Last day; open-ended when absent.")
    start_hour: Hour = Field(description="Daily window start, IST hour 0-23.")
    end_hour: Hour = Field(description="Daily window end, IST hour 0-23, after start_hour.")
    weekends: Flag = Field(False, description="Call on Saturdays and Sundays too.")


class Retry(BaseModel):
    model_config = _STRICT
    max_attempts: Attempts = Field(description="Calls per recipient in all, 1-5.")
    max_attempts_per_day: Attempts | None = Field(
        None, description="Calls per recipient per day, 1-5; equal to max_attempts when absent."
    )


class RecipientModel(BaseModel):
    model_config = _STRICT
    phone: str = Field(description='E.164 with country code, quoted: "+911234567890".')
    language: Language | None = Field(None, description="Overrides spec.language.")
    metadata: Metadata | None = Field(None, description="Merged over spec.metadata.")


class CampaignSpec(BaseModel):
    model_config = _STRICT
    name: CampaignName = Field(description="The campaign's name in Vozzo; fixed once created.")
    agent: AgentId = Field(description="The agent's UUID; fixed once created.")
    state: StateName = "TO_START"
    schedule: Schedule
    retry: Retry
    language: Language = Field("EN", description="Default agent_language for recipients.")
    metadata: Metadata = Field(default_factory=dict, description="Merged under each recipient's.")
    recipients: list[RecipientModel] = Field(default_factory=list)
    recipient_files: list[str] = Field(
        default_factory=list,
        description="CSV files relative to this manifest, inside the tree given with -f: "
        "header row, column phone required, language optional, every other column becomes "
        "metadata.",
    )
    compliance: Compliance = Field(
        default=(),
        description="Calling-hours profiles checked in each recipient's time zone: in-trai, "
        "us-tcpa, in-rbi-recovery, or {start, end, days}; the strictest wins.",
    )
    suppress: PathList = Field(
        default_factory=list,
        description="Do-not-call files relative to this manifest, inside the tree given with "
        "-f: one entry a line (or a CSV with a phone column): an E.164 number, "
        "hmac-sha256:<hex> keyed with VOZZOCTL_SUPPRESS_KEY, or a plain lower-case hex SHA-256.",
    )


class PartialSchedule(BaseModel):
    model_config = _STRICT
    start_date: IsoDate | None = None
    end_date: IsoDate | None = None
    start_hour: Hour | None = None
    end_hour: Hour | None = None
    weekends: Flag | None = None


class PartialRetry(BaseModel):
    model_config = _STRICT
    max_attempts: Attempts | None = None
    max_attempts_per_day: Attempts | None = None


class DefaultsSpec(BaseModel):
    """Any campaign field but its name and recipients; the nearest Defaults wins field by field."""

    model_config = _STRICT
    agent: AgentId | None = None
    state: StateName | None = None
    schedule: PartialSchedule | None = None
    retry: PartialRetry | None = None
    language: Language | None = None
    metadata: Metadata | None = None
    compliance: Compliance | None = None
    suppress: PathList | None = None


class CampaignMeta(BaseModel):
    model_config = _STRICT
    name: Key = Field(description="The key: stable identity of this campaign in the set.")
    labels: Labels = Field(default_factory=dict)


class DefaultsMeta(BaseModel):
    model_config = _STRICT
    name: Key | None = None
    labels: Labels = Field(default_factory=dict)


class CampaignDocument(BaseModel):
    """One outbound call campaign."""

    model_config = _STRICT
    apiVersion: Literal["vozzoctl/v1"]
    kind: Literal["Campaign"]
    metadata: CampaignMeta
    spec: CampaignSpec


class DefaultsDocument(BaseModel):
    """Settings for the campaigns in this folder and below."""

    model_config = _STRICT
    apiVersion: Literal["vozzoctl/v1"]
    kind: Literal["Defaults"]
    metadata: DefaultsMeta = Field(default_factory=DefaultsMeta)
    spec: DefaultsSpec


def json_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of a manifest document, either kind."""
    from pydantic import TypeAdapter

    adapter: TypeAdapter[CampaignDocument | DefaultsDocument] = TypeAdapter(
        Annotated[CampaignDocument | DefaultsDocument, Field(discriminator="kind")]
    )
    schema = adapter.json_schema()
    _leave_to_defaults(schema["$defs"])
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://vozzo.ai/schemas/vozzoctl/v1/campaign.schema.json",
        "title": "vozzoctl manifest (kind: Campaign or Defaults)",
        **schema,
    }


# Campaign models whose fields a Defaults document may supply, and the Defaults model that does.
_DEFAULTED: dict[str, type[BaseModel]] = {
    "CampaignSpec": DefaultsSpec,
    "Schedule": PartialSchedule,
    "Retry": PartialRetry,
}
_FROM_DEFAULTS = " May come from a Defaults document: `vozzoctl validate` checks it is set."


def _leave_to_defaults(defs: dict[str, Any]) -> None:
    """A manifest may rely on its folder's Defaults, which an editor cannot see: a field that
    Defaults may supply is not `required` in the schema (validate checks it after the merge),
    so that editors agree with validate. The Defaults document has its own schema
    (`DefaultsDocument`), where every field is optional."""
    for name, partial in _DEFAULTED.items():
        model = defs[name]
        left = [f for f in model.get("required", []) if f not in partial.model_fields]
        moved = [f for f in model.get("required", []) if f in partial.model_fields]
        if left:
            model["required"] = left
        else:
            model.pop("required", None)
        for f in moved:
            prop = model["properties"][f]
            prop["description"] = (prop.get("description", "") + _FROM_DEFAULTS).strip()
