"""The settings digest is in every lockfile: written out by hand for speed, it must stay the
SHA-256 of the canonical JSON it always was."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from hypothesis import example, given
from hypothesis import strategies as st

from vozzoctl.manifest.desired import settings_fingerprint
from vozzoctl.model import Settings, State

DATES = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 12, 31))


def canonical(s: Settings) -> str:
    doc = {
        "agent_uuid": s.agent_uuid,
        "allow_weekends": s.allow_weekends,
        "campaign_name": s.campaign_name,
        "end_date": s.end_date.isoformat() if s.end_date else None,
        "end_hour": s.end_hour,
        "max_retry": s.max_retry,
        "max_retry_per_day": s.max_retry_per_day,
        "start_date": s.start_date.isoformat(),
        "start_hour": s.start_hour,
        "state": s.state.value,
    }
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@given(
    st.builds(
        Settings,
        campaign_name=st.text(),
        agent_uuid=st.text(max_size=40),
        start_date=DATES,
        end_date=st.none() | DATES,
        start_hour=st.integers(0, 23),
        end_hour=st.integers(0, 23),
        allow_weekends=st.booleans(),
        max_retry=st.integers(1, 5),
        max_retry_per_day=st.integers(1, 5),
        state=st.sampled_from(State),
    )
)
@example(
    Settings(
        'Winter "Promo" \\ 2026 — दिवाली\n\u2028',
        "619ec26c-4957-4926-70f8-fe7391b3527e",
        dt.date(2026, 12, 1),
        None,
        9,
        18,
        False,
        3,
        1,
    )
)
def test_the_settings_digest_is_that_of_the_canonical_json(s: Settings) -> None:
    assert settings_fingerprint(s) == canonical(s)


def test_a_known_digest_does_not_change() -> None:
    s = Settings(
        "Scale Test 00042",
        "619ec26c-4957-4926-70f8-fe7391b3527e",
        dt.date(2099, 1, 1),
        None,
        9,
        18,
        False,
        3,
        1,
    )
    # as lockfiles written by every earlier version hold it
    assert settings_fingerprint(s) == (
        "36e07f937b0ad54dd3ebd2ef8bcdbbe776b1e7809d7eb0377d6ce80b7a39f803"
    )
