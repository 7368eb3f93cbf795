"""Values that used to pass validation and then go wrong: merge keys that work, documents
located at their own lines, and time zones that cannot be checked under a profile."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import FIXED_TODAY, Load, campaign_yaml

from vozzoctl.manifest import load_desired_state

Files = Callable[[dict[str, str | bytes]], Path]
FREEPHONE = "+80012345678"  # a valid number with no time zone


def test_a_yaml_merge_key_works_and_own_keys_override_it(files: Files, load: Load) -> None:
    files(
        {
            "c.yaml": campaign_yaml(phones=())
            + "  recipients:\n"
            + '    - &hindi {phone: "+919812345678", language: HI, metadata: {tier: gold}}\n'
            + "    - <<: *hindi\n"
            + '      phone: "+919845023456"\n'
            + "      language: TA\n"
        }
    )
    result = load()
    assert result.diagnostics == []
    got = {r.phone: (r.language, r.metadata) for r in result.state.campaigns[0].recipients}
    assert got == {
        "+919812345678": ("HI", '{"tier":"gold"}'),
        "+919845023456": ("TA", '{"tier":"gold"}'),
    }


def test_a_later_document_is_named_at_its_own_line(files: Files, load: Load) -> None:
    files({"all.yaml": campaign_yaml("one") + "---\n" + campaign_yaml("two")})
    result = load()
    assert [c.source for c in result.state.campaigns] == ["all.yaml:1", "all.yaml:17"]


def compliant(tmp_path: Path, phones: tuple[str, ...]) -> None:
    (tmp_path / "c.yaml").write_text(
        campaign_yaml(phones=phones, extra_spec="  compliance: [in-trai]\n")
    )


def test_an_unknown_time_zone_under_a_profile_is_an_error(tmp_path: Path) -> None:
    compliant(tmp_path, ("+919812345678", FREEPHONE))
    result = load_desired_state([tmp_path], today=FIXED_TODAY, env={})
    assert not result.ok
    assert [e.message for e in result.errors] == [
        "1 recipient(s) have no known time zone, so their calling hours cannot be checked: "
        f"+800****5678 ({tmp_path}/c.yaml:17)"
    ]
    assert result.state.campaigns == ()


def test_exclude_noncompliant_leaves_unknown_time_zones_out_and_counts_them(
    tmp_path: Path,
) -> None:
    compliant(tmp_path, ("+919812345678", FREEPHONE))
    result = load_desired_state([tmp_path], today=FIXED_TODAY, env={}, exclude_noncompliant=True)
    assert result.ok
    [warning] = result.warnings
    assert warning.message.startswith("1 recipient(s) have no known time zone")
    assert warning.message.endswith("left out by --exclude-noncompliant")
    [campaign] = result.state.campaigns
    assert [r.phone for r in campaign.recipients] == ["+919812345678"]
    assert campaign.excluded == {FREEPHONE}
