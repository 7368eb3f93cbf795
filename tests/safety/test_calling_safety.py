"""Calling hours in each recipient's own time zone, and do-not-call lists — all offline.

Real time-zone data (phonenumbers' prefixes, the IANA database through zoneinfo); dates are
fixed, so DST falls where the calendar puts it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
import yaml

from vozzoctl.manifest import load_desired_state
from vozzoctl.manifest.compliance import PROFILES, Schedule, judge, zones_for

TODAY = dt.date(2026, 11, 2)
AGENT = "619ec26c-4957-4926-70f8-fe7391b3527e"
NEW_YORK, HONOLULU, LONDON = "+12125550123", "+18085550123", "+447911123456"
SYDNEY, AUSTRALIAN_MOBILE, INDIA = "+61291234567", "+61412345678", "+919876543210"


def manifest(
    tmp: Path,
    *,
    phones: list[str],
    start: str = "2027-01-11",
    end: str | None = None,
    hours: tuple[int, int] = (9, 18),
    weekends: bool = False,
    **spec: object,
) -> Path:
    schedule: dict[str, object] = {
        "start_date": start,
        "start_hour": hours[0],
        "end_hour": hours[1],
        "weekends": weekends,
    }
    if end:
        schedule["end_date"] = end
    doc = {
        "apiVersion": "vozzoctl/v1",
        "kind": "Campaign",
        "metadata": {"name": "calls"},
        "spec": {
            "name": "Calls",
            "agent": AGENT,
            "schedule": schedule,
            "retry": {"max_attempts": 2},
            "recipients": [{"phone": p} for p in phones],
            **spec,
        },
    }
    path = tmp / "calls.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def messages(tmp: Path, **kw: object) -> list[str]:
    result = load_desired_state([tmp], today=TODAY, **kw)  # type: ignore[arg-type]
    return [d.format() for d in result.diagnostics]


def test_a_new_york_number_at_2330_is_refused_with_the_fix(tmp_path: Path) -> None:
    manifest(tmp_path, phones=[INDIA, NEW_YORK], hours=(10, 19), compliance=["us-tcpa"])
    result = load_desired_state([tmp_path], today=TODAY)
    assert not result.ok
    [error] = [d.format() for d in result.errors]
    assert "campaign calls would call 1 recipient(s) outside legal hours" in error
    assert "+1******0123" in error and NEW_YORK not in error
    assert "is 23:30-08:30 Sun in America/New_York (past local midnight)" in error
    assert "us-tcpa allows 08:00-21:00 local" in error
    assert "narrow start_hour/end_hour, move those recipients to a campaign of their own" in error
    where = tmp_path / "calls.yaml"
    assert error.startswith(f"{where}:18:3: spec.compliance: campaign calls would call")
    assert f"+1******0123 ({where}:17)" in error  # the recipient's own line


@pytest.mark.parametrize(
    ("phone", "hours", "profile", "verdict"),
    [
        (INDIA, (9, 18), "in-trai", None),
        (INDIA, (9, 21), "in-trai", None),
        (INDIA, (8, 18), "in-trai", "08:00-18:00"),
        (INDIA, (9, 20), "in-rbi-recovery", "09:00-20:00"),
        (INDIA, (8, 19), "in-rbi-recovery", None),
        (HONOLULU, (9, 18), "us-tcpa", "17:30-02:30"),
        (LONDON, (14, 23), "us-tcpa", None),  # 08:30-17:30 GMT in January
        (LONDON, (9, 18), "us-tcpa", "03:30-12:30"),
        (SYDNEY, (5, 14), "us-tcpa", None),  # 10:00-19:00 AEDT
    ],
)
def test_each_profile_in_the_recipients_zone(
    phone: str, hours: tuple[int, int], profile: str, verdict: str | None
) -> None:
    s = Schedule(dt.date(2027, 1, 11), dt.date(2027, 1, 22), *hours, False)
    found = judge(s, phone, (PROFILES[profile],)).breach
    if verdict is None:
        assert found is None
    else:
        assert found is not None
        assert verdict in found.describe(s)


def test_a_mobile_number_must_be_callable_in_every_zone_of_its_country() -> None:
    assert zones_for(SYDNEY) == ("Australia/Sydney",)
    assert {"Australia/Perth", "Australia/Sydney"} <= set(zones_for(AUSTRALIAN_MOBILE))
    s = Schedule(dt.date(2027, 1, 11), dt.date(2027, 1, 22), 5, 14, False)
    assert judge(s, SYDNEY, (PROFILES["us-tcpa"],)).breach is None
    breach = judge(s, AUSTRALIAN_MOBILE, (PROFILES["us-tcpa"],)).breach
    assert breach is not None
    assert breach.zone in ("Australia/Perth", "Australia/Eucla", "Indian/Christmas")


def test_dst_is_taken_on_the_campaigns_own_dates() -> None:
    # 18:00 IST is 07:30 in New York under EST and 08:30 under EDT (from 14 March 2027).
    after = Schedule(dt.date(2027, 3, 15), dt.date(2027, 3, 31), 18, 23, False)
    across = Schedule(dt.date(2027, 3, 8), dt.date(2027, 3, 20), 18, 23, False)
    assert judge(after, NEW_YORK, (PROFILES["us-tcpa"],)).breach is None
    breach = judge(across, NEW_YORK, (PROFILES["us-tcpa"],)).breach
    assert breach is not None and breach.day == dt.date(2027, 3, 8)
    assert "07:30-12:30" in breach.describe(across)
    # open-ended: a year ahead is checked, so the winter side of DST is seen too
    open_ended = Schedule(dt.date(2027, 4, 5), None, 18, 23, False)
    late = judge(open_ended, NEW_YORK, (PROFILES["us-tcpa"],)).breach
    assert late is not None and late.day == dt.date(2027, 11, 8)


def test_the_strictest_of_several_profiles_wins(tmp_path: Path) -> None:
    manifest(tmp_path, phones=[INDIA], hours=(9, 20), compliance=["in-trai"])
    assert messages(tmp_path) == []
    manifest(tmp_path, phones=[INDIA], hours=(9, 20), compliance=["in-trai", "in-rbi-recovery"])
    [error] = messages(tmp_path)
    assert "in-rbi-recovery allows 08:00-19:00 local" in error


def test_a_custom_profile_with_days(tmp_path: Path) -> None:
    weekdays = {"start": "09:30", "end": "18:00", "days": ["mon", "tue", "wed", "thu", "fri"]}
    manifest(tmp_path, phones=[INDIA], hours=(10, 18), compliance=[weekdays])
    assert messages(tmp_path) == []
    manifest(tmp_path, phones=[INDIA], hours=(10, 18), weekends=True, compliance=[weekdays])
    [error] = messages(tmp_path)
    assert "Sat in Asia/Calcutta" in error
    assert "custom allows 09:30-18:00 local on mon,tue,wed,thu,fri" in error


def test_a_bad_profile_is_named(tmp_path: Path) -> None:
    manifest(tmp_path, phones=[INDIA], compliance=["gdpr"])
    [error] = messages(tmp_path)
    assert "spec.compliance: 'gdpr' is not a compliance profile" in error
    assert "one of in-trai, us-tcpa, in-rbi-recovery" in error
    manifest(tmp_path, phones=[INDIA], compliance=[{"start": "9am", "end": "18:00"}])
    [error] = messages(tmp_path)
    assert "'9am' is not a time" in error


def test_recipients_abroad_without_a_profile_are_a_warning(tmp_path: Path) -> None:
    manifest(tmp_path, phones=[INDIA, NEW_YORK, LONDON])
    result = load_desired_state([tmp_path], today=TODAY)
    assert result.ok
    [warning] = [d.format() for d in result.warnings]
    assert "2 recipient(s) outside India and no calling-hours profile" in warning
    assert "set spec.compliance" in warning


def test_exclude_noncompliant_leaves_them_out_and_says_how_many(tmp_path: Path) -> None:
    manifest(tmp_path, phones=[INDIA, NEW_YORK, HONOLULU], compliance=["us-tcpa"])
    result = load_desired_state([tmp_path], today=TODAY, exclude_noncompliant=True)
    assert result.ok
    [campaign] = result.state.campaigns
    assert [r.phone for r in campaign.recipients] == [INDIA]
    assert campaign.excluded == {NEW_YORK, HONOLULU}
    [warning] = [d.format() for d in result.warnings]
    assert "2 recipient(s) left out by --exclude-noncompliant" in warning


# -- do-not-call lists -----------------------------------------------------------------------


def sha(phone: str) -> str:
    return hashlib.sha256(phone.encode()).hexdigest()


def test_suppression_by_number_and_by_hash(tmp_path: Path) -> None:
    (tmp_path / "dnc").mkdir()
    (tmp_path / "dnc/numbers.txt").write_text("# opted out\n+91 98123 45678\n\n")
    (tmp_path / "dnc/hashed.txt").write_text(sha("+919845023456") + "  # by hash\n")
    manifest(
        tmp_path,
        phones=["+919812345678", "+919845023456", INDIA],
        suppress=["dnc/numbers.txt", "dnc/hashed.txt"],
    )
    result = load_desired_state([tmp_path], today=TODAY)
    assert result.ok, [d.format() for d in result.diagnostics]
    [campaign] = result.state.campaigns
    assert [r.phone for r in campaign.recipients] == [INDIA]
    assert campaign.suppressed == {"+919812345678", "+919845023456"}


def test_a_csv_do_not_call_list_and_defaults(tmp_path: Path) -> None:
    (tmp_path / "dnc.csv").write_text("name,phone\nA,+919812345678\n")
    (tmp_path / "defaults.yaml").write_text(
        "apiVersion: vozzoctl/v1\nkind: Defaults\nspec:\n  suppress: [dnc.csv]\n"
    )
    (tmp_path / "team").mkdir()
    manifest(tmp_path / "team", phones=["+919812345678", INDIA])
    result = load_desired_state([tmp_path], today=TODAY)
    assert result.ok, [d.format() for d in result.diagnostics]
    assert [r.phone for r in result.state.campaigns[0].recipients] == [INDIA]


def test_a_broken_do_not_call_list_is_located(tmp_path: Path) -> None:
    (tmp_path / "dnc.txt").write_text("+919812345678\nnot-a-number 12\n")
    manifest(tmp_path, phones=[INDIA], suppress=["dnc.txt", "missing.txt"])
    errors = messages(tmp_path)
    assert any(e.startswith(f"{tmp_path}/dnc.txt:2: ") or "dnc.txt:2:" in e for e in errors)
    assert any("spec.suppress[1]: missing.txt: no such file" in e for e in errors)


def test_every_recipient_withheld_is_a_warning_and_creates_nothing(tmp_path: Path) -> None:
    (tmp_path / "dnc.txt").write_text(INDIA + "\n")
    manifest(tmp_path, phones=[INDIA], suppress=["dnc.txt"])
    result = load_desired_state([tmp_path], today=TODAY)
    assert result.ok
    assert any("nothing will be sent" in d.message for d in result.warnings)


def test_the_same_number_in_two_overlapping_campaigns_is_a_warning(tmp_path: Path) -> None:
    manifest(tmp_path, phones=[INDIA])
    other = (tmp_path / "calls.yaml").read_text().replace("name: calls", "name: others")
    (tmp_path / "others.yaml").write_text(other.replace("name: Calls", "name: Others"))
    result = load_desired_state([tmp_path], today=TODAY)
    [warning] = result.warnings
    assert "1 number(s), e.g. +91******3210, are also in calls" in warning.message
    assert "called by both calls and others" in warning.message
    apart = other.replace("start_hour: 9", "start_hour: 18").replace("end_hour: 18", "end_hour: 20")
    (tmp_path / "others.yaml").write_text(apart.replace("name: Calls", "name: Others"))
    assert load_desired_state([tmp_path], today=TODAY).warnings == []


def test_a_campaign_with_a_yaml_trap_is_not_in_the_desired_state(tmp_path: Path) -> None:
    path = manifest(tmp_path, phones=[INDIA])
    path.write_text(path.read_text().replace("max_attempts: 2", "max_attempts: 02"))
    result = load_desired_state([tmp_path], today=TODAY)
    assert not result.ok
    assert result.state.campaigns == ()


def test_two_keys_may_not_share_a_campaign_name_and_agent(tmp_path: Path) -> None:
    manifest(tmp_path, phones=[INDIA])
    twin = (tmp_path / "calls.yaml").read_text().replace("name: calls", "name: twin")
    (tmp_path / "twin.yaml").write_text(twin.replace(INDIA, "+919812345678"))
    result = load_desired_state([tmp_path], today=TODAY)
    assert not result.ok
    [error] = [d.format() for d in result.errors]
    assert (
        "spec.name: 'Calls' with agent 619ec26c-4957-4926-70f8-fe7391b3527e is also the "
        "campaign of calls" in error
    )
