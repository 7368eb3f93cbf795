"""A live batch whose every field is as declared is settled in one comparison; the answer must
be the one the field-by-field comparison gives, whatever differs and whatever the date."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import example, given
from hypothesis import strategies as st

from vozzoctl.api import LiveCampaign
from vozzoctl.lockfile import Entry
from vozzoctl.manifest.desired import DesiredCampaign
from vozzoctl.model import Recipient, Settings, State
from vozzoctl.plan.scope import Options
from vozzoctl.plan.updates import compare_fields, update_of

TODAY = date(2026, 12, 1)
AGENT = "619ec26c-4957-4926-70f8-fe7391b3527e"


DAYS = st.integers(-3, 3).map(lambda n: TODAY + timedelta(days=n))
# each field small, so that live and declared values are often equal and sometimes not
VALUES = st.fixed_dictionaries(
    {
        "start_date": DAYS,
        "end_date": st.none() | DAYS,
        "start_hour": st.sampled_from([9, 10]),
        "end_hour": st.sampled_from([18, 19]),
        "allow_weekends": st.booleans(),
        "max_retry": st.sampled_from([2, 3]),
        "max_retry_per_day": st.sampled_from([1, 2]),
        "state": st.sampled_from(State),
    }
)


SAME = {
    "start_date": TODAY,
    "end_date": None,
    "start_hour": 9,
    "end_hour": 18,
    "allow_weekends": False,
    "max_retry": 3,
    "max_retry_per_day": 1,
    "state": State.RUNNING,
}


@given(VALUES, VALUES, st.booleans())
@example(SAME, SAME, True)
@example(SAME, SAME | {"state": State.SUSPENDED}, True)
@example(SAME | {"start_date": TODAY - timedelta(days=1)}, SAME, False)
def test_the_shortcut_answers_as_the_comparison_does(
    live: dict[str, object], declared: dict[str, object], recorded: bool
) -> None:
    settings = Settings(campaign_name="Winter", agent_uuid=AGENT, **declared)  # type: ignore[arg-type]
    d = DesiredCampaign.build("winter", settings, [Recipient("+919812345678")])
    c = LiveCampaign("c-1", "Winter", AGENT, **live)  # type: ignore[arg-type]
    entry = Entry(settings_sha256=d.settings_sha) if recorded else None
    options = Options(today=TODAY)
    assert update_of(c, d, entry, options) == compare_fields(c, d, entry, options)
