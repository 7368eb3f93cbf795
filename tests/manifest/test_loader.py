"""What the loader makes of valid manifests: Defaults, discovery, ${VAR}, CSV, normalisation,
fingerprints. Every test asserts what the planner receives or what the user reads."""

from __future__ import annotations

import gc
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import AGENT, Load, campaign_yaml

from vozzoctl.model import Recipient, State

Files = Callable[[dict[str, str | bytes]], Path]

DEFAULTS_HEAD = "apiVersion: vozzoctl/v1\nkind: Defaults\nspec:\n"


def bare_campaign(key: str, extra: str = "", phone: str = "+919812345678") -> str:
    """A campaign with name, agent and a recipient only: the rest must come from Defaults."""
    return (
        "apiVersion: vozzoctl/v1\nkind: Campaign\n"
        f"metadata: {{name: {key}}}\n"
        f"spec:\n  name: {key}\n{extra}"
        f'  recipients:\n    - phone: "{phone}"\n'
    )


# -- Defaults -----------------------------------------------------------------------------------


def test_nearest_defaults_win_field_by_field(files: Files, load: Load) -> None:
    files(
        {
            "defaults.yaml": DEFAULTS_HEAD + f"  agent: {AGENT}\n"
            "  language: HI\n"
            "  schedule: {start_date: 2026-12-01, start_hour: 9, end_hour: 18, weekends: true}\n"
            "  retry: {max_attempts: 3, max_attempts_per_day: 1}\n"
            "  metadata: {product: Winter Bundle, region: south}\n",
            "north/defaults.yaml": DEFAULTS_HEAD + "  schedule: {start_hour: 10}\n"
            "  retry: {max_attempts: 5}\n"
            "  metadata: {region: north}\n",
            "north/delhi.yaml": bare_campaign(
                "delhi", "  schedule: {end_hour: 20}\n", phone="+919845023456"
            ),
            "chennai.yaml": bare_campaign("chennai"),
        }
    )
    result = load()
    assert result.diagnostics == []
    chennai, delhi = result.state.campaigns
    assert (chennai.key, delhi.key) == ("chennai", "delhi")
    s = delhi.settings
    assert (s.agent_uuid, s.start_date.isoformat(), s.allow_weekends) == (AGENT, "2026-12-01", True)
    assert (s.start_hour, s.end_hour) == (10, 20)  # parent's, nearer Defaults', own
    assert (s.max_retry, s.max_retry_per_day) == (5, 1)  # retry merged key by key
    assert delhi.recipients == (
        Recipient("+919845023456", "HI", '{"product":"Winter Bundle","region":"north"}'),
    )
    assert (chennai.settings.start_hour, chennai.settings.max_retry) == (9, 3)
    assert chennai.recipients[0].metadata == '{"product":"Winter Bundle","region":"south"}'


def test_a_defaults_schedule_is_read_once_for_the_campaigns_that_keep_it(
    files: Files, load: Load
) -> None:
    files(
        {
            "defaults.yaml": DEFAULTS_HEAD + f"  agent: {AGENT}\n"
            "  schedule: {start_date: 2026-12-01, start_hour: 9, end_hour: 18}\n"
            "  retry: {max_attempts: 3}\n",
            "a.yaml": bare_campaign("a"),
            "b.yaml": bare_campaign("b", "  schedule: {end_hour: 20}\n", phone="+919845023456"),
            "c.yaml": bare_campaign("c", phone="+919845023457"),
        }
    )
    result = load()
    assert result.diagnostics == []
    a, b, c = result.state.campaigns
    assert [(x.settings.start_hour, x.settings.end_hour) for x in (a, b, c)] == [
        (9, 18),
        (9, 20),
        (9, 18),
    ]


def test_a_defaults_schedule_that_is_not_valid_is_reported_at_the_defaults(
    files: Files, load: Load
) -> None:
    files(
        {
            "defaults.yaml": DEFAULTS_HEAD + f"  agent: {AGENT}\n"
            "  schedule: {start_date: 2026-12-01, start_hour: 25, end_hour: 18}\n"
            "  retry: {max_attempts: 3}\n",
            "a.yaml": bare_campaign("a"),
            "b.yaml": bare_campaign("b", phone="+919845023456"),
        }
    )
    shown = [(d.file, d.line, d.field, d.message) for d in load().diagnostics]
    # once, at the Defaults, though two campaigns take the schedule
    assert shown == [
        ("defaults.yaml", 5, "spec.schedule.start_hour", "25 is not an hour of the day")
    ]


def test_only_defaults_among_the_given_paths_count(files: Files, load: Load) -> None:
    root = files(
        {
            "defaults.yaml": DEFAULTS_HEAD + "  language: HI\n",
            "team/campaign.yaml": campaign_yaml(),
        }
    )
    assert load("team").state.campaigns[0].recipients[0].language == "EN"
    assert load(".").state.campaigns[0].recipients[0].language == "HI"
    assert load(str(root / "team" / "campaign.yaml")).state.campaigns[0].recipients[0].language == (
        "EN"
    )


def test_a_campaigns_own_fields_beat_its_defaults(files: Files, load: Load) -> None:
    files(
        {
            "defaults.yaml": DEFAULTS_HEAD + "  state: RUNNING\n  language: HI\n",
            "c.yaml": campaign_yaml(extra_spec="  state: SUSPENDED\n  language: ta\n"),
        }
    )
    (c,) = load().state.campaigns
    assert c.settings.state is State.SUSPENDED
    assert c.recipients[0].language == "TA"


# -- discovery ----------------------------------------------------------------------------------


def test_hidden_files_and_folders_are_never_read(files: Files, load: Load) -> None:
    files(
        {
            ".github/workflows/ci.yaml": "on: push\njobs: {}\n",
            ".pre-commit-config.yaml": "repos: []\n",
            "campaigns/.draft.yaml": "this: is not read\n",
            "campaigns/winter.yaml": campaign_yaml(),
            "README.md": "# not a manifest\n",
        }
    )
    result = load()
    assert result.diagnostics == []
    assert result.files == ["campaigns/winter.yaml"]


def test_files_are_read_in_a_stable_order_and_campaigns_sorted_by_key(
    files: Files, load: Load
) -> None:
    files(
        {
            "b/z.yml": campaign_yaml("alpha", phones=("+919876543210",)),
            "a.yaml": campaign_yaml("zulu"),
            "b/a.yaml": campaign_yaml("mike", phones=("+14155552671",)),
        }
    )
    result = load()
    assert result.files == ["a.yaml", "b/a.yaml", "b/z.yml"]
    assert [c.key for c in result.state] == ["alpha", "mike", "zulu"]
    assert [c.source for c in result.state] == ["b/z.yml:1", "b/a.yaml:1", "a.yaml:1"]


def test_a_file_may_hold_several_documents(files: Files, load: Load) -> None:
    files(
        {
            "all.yaml": "# campaigns for the season\n---\n"
            + campaign_yaml("one")
            + "---\n"
            + campaign_yaml("two", phones=("+919876543210",))
            + "...\n"
        }
    )
    result = load()
    assert result.diagnostics == []
    assert [(c.key, c.source) for c in result.state] == [
        ("one", "all.yaml:3"),
        ("two", "all.yaml:19"),
    ]
    # an error in a later document is located in that document
    files({"all.yaml": campaign_yaml("one") + "---\n" + campaign_yaml("two", phones=("+9198",))})
    assert [d.format().split(": ")[0] for d in load().diagnostics] == ["all.yaml:31:14"]


# -- ${VAR} -------------------------------------------------------------------------------------


def test_environment_references_are_substituted(files: Files, load: Load) -> None:
    files(
        {
            "c.yaml": campaign_yaml(
                extra_spec="  metadata:\n"
                "    season: ${VOZZOCTL_VAR_SEASON}\n"
                "    coupon: ${VOZZOCTL_VAR_COUPON:-NONE}\n"
                "    template: $${NAME} stays\n"
            ).replace(f"agent: {AGENT}", "agent: ${VOZZOCTL_VAR_AGENT}")
        }
    )
    result = load(env={"VOZZOCTL_VAR_SEASON": "winter", "VOZZOCTL_VAR_AGENT": AGENT})
    assert result.diagnostics == []
    (c,) = result.state.campaigns
    assert c.settings.agent_uuid == AGENT
    assert json.loads(c.recipients[0].metadata) == {
        "coupon": "NONE",
        "season": "winter",
        "template": "${NAME} stays",
    }
    # a set variable wins over its default, even when empty
    env = {"VOZZOCTL_VAR_SEASON": "w", "VOZZOCTL_VAR_AGENT": AGENT, "VOZZOCTL_VAR_COUPON": ""}
    again = load(env=env).state.campaigns[0]
    assert json.loads(again.recipients[0].metadata)["coupon"] == ""


# -- recipients ---------------------------------------------------------------------------------


def test_csv_with_bom_and_crlf_metadata_columns_over_campaign_metadata(
    files: Files, load: Load
) -> None:
    csv_bytes = (
        "\ufeffphone,Language,customer_name,product\r\n"
        "+91 98123 45678,hi,Asha,\r\n"
        '+919876543210,,"Doe, John",Summer Pack\r\n'
        "\r\n"
    ).encode()
    files(
        {
            "c.yaml": campaign_yaml(
                phones=(),
                extra_spec="  language: ta\n"
                "  metadata: {product: Winter Bundle, channel: voice}\n"
                "  recipient_files: [leads/list.csv]\n",
            ),
            "leads/list.csv": csv_bytes,
        }
    )
    result = load()
    assert result.diagnostics == []
    assert result.state.campaigns[0].recipients == (
        Recipient(
            "+919812345678",
            "HI",
            '{"channel":"voice","customer_name":"Asha","product":"Winter Bundle"}',
        ),
        Recipient(
            "+919876543210",
            "TA",
            '{"channel":"voice","customer_name":"Doe, John","product":"Summer Pack"}',
        ),
    )


def test_metadata_is_compact_json_with_sorted_keys(files: Files, load: Load) -> None:
    files(
        {
            "c.yaml": campaign_yaml(
                phones=(),
                extra_spec="  metadata:\n"
                "    {zeta: 1, alpha: true, mid: 2.5, none: null, day: 2026-12-01}\n"
                "  recipients:\n"
                '    - phone: "+919812345678"\n'
                '      metadata: \'{"b": "x", "a": "ü"}\'\n',
            )
        }
    )
    (r,) = load().state.campaigns[0].recipients
    assert r.metadata == (
        '{"a":"ü","alpha":true,"b":"x","day":"2026-12-01","mid":2.5,"none":null,"zeta":1}'
    )


def test_language_any_case_in_upper_case_out_and_phones_normalised(
    files: Files, load: Load
) -> None:
    files(
        {
            "c.yaml": campaign_yaml(
                phones=(),
                extra_spec="  language: bn\n"
                "  recipients:\n"
                '    - {phone: "+91-80-2222-3333", language: Hi}\n'
                '    - {phone: "+91 (98123) 45678"}\n'
                '    - {phone: " +1 415 555 2671 ", language: mr}\n',
            )
        }
    )
    assert [(r.phone, r.language) for r in load().state.campaigns[0].recipients] == [
        ("+14155552671", "MR"),
        ("+918022223333", "HI"),
        ("+919812345678", "BN"),
    ]


def test_recipient_fingerprint_ignores_order_and_sees_every_change(
    files: Files, load: Load
) -> None:
    phones = ("+919812345678", "+919876543210", "+14155552671")
    files({"c.yaml": campaign_yaml(phones=phones)})
    first = load().state.campaigns[0]
    files({"c.yaml": campaign_yaml(phones=tuple(reversed(phones)))})
    reordered = load().state.campaigns[0]
    assert reordered.recipients_sha == first.recipients_sha
    assert reordered.settings_sha == first.settings_sha
    files({"c.yaml": campaign_yaml(phones=(*phones[:2], "+14155552672"))})
    assert load().state.campaigns[0].recipients_sha != first.recipients_sha
    files({"c.yaml": campaign_yaml(phones=phones, extra_spec="  language: HI\n")})
    changed = load().state.campaigns[0]
    assert changed.recipients_sha != first.recipients_sha
    assert changed.settings_sha == first.settings_sha


def test_settings_fingerprint_changes_with_the_settings(files: Files, load: Load) -> None:
    files({"c.yaml": campaign_yaml()})
    first = load().state.campaigns[0]
    files({"c.yaml": campaign_yaml(retry="    max_attempts: 4\n")})
    assert load().state.campaigns[0].settings_sha != first.settings_sha


# -- settled details ----------------------------------------------------------------------------


def test_defaults_of_optional_fields(files: Files, load: Load) -> None:
    files({"c.yaml": campaign_yaml(retry="    max_attempts: 4\n")})
    (c,) = load().state.campaigns
    s = c.settings
    assert (s.max_retry, s.max_retry_per_day) == (4, 4)
    assert (s.state, s.allow_weekends, s.end_date) == (State.TO_START, False, None)
    assert c.recipients[0].language == "EN"
    assert c.recipients[0].metadata == "{}"


def test_quoted_hours_and_string_booleans_are_accepted(files: Files, load: Load) -> None:
    schedule = (
        '    start_date: "2026-12-01"\n    end_date: 2026-12-31\n'
        '    start_hour: "09"\n    end_hour: "18"\n    weekends: "true"\n'
    )
    files({"c.yaml": campaign_yaml(schedule=schedule)})
    result = load()
    assert result.diagnostics == []
    s = result.state.campaigns[0].settings
    assert (s.start_hour, s.end_hour, s.allow_weekends, str(s.end_date)) == (
        9,
        18,
        True,
        "2026-12-31",
    )


def test_a_past_start_date_is_a_warning_not_an_error(files: Files, load: Load) -> None:
    past = "    start_date: 2026-10-15\n    start_hour: 9\n    end_hour: 18\n"
    files({"c.yaml": campaign_yaml(schedule=past)})
    result = load()
    assert result.ok
    assert [d.format() for d in result.diagnostics] == [
        "c.yaml:9:17: warning: spec.schedule.start_date: 2026-10-15 is before today "
        "(2026-11-01, IST) (a new campaign cannot be created with a past start date; "
        "plan will refuse to create it)"
    ]
    assert len(result.state) == 1


def test_every_error_of_the_set_is_reported_in_one_run(files: Files, load: Load) -> None:
    files(
        {
            "a.yaml": campaign_yaml("a", retry="    max_attempts: 9\n"),
            "b.yaml": campaign_yaml("b", phones=("+91981",)),
            "c.yaml": campaign_yaml("c"),
        }
    )
    result = load()
    assert [(d.file, d.field) for d in result.errors] == [
        ("a.yaml", "spec.retry.max_attempts"),
        ("b.yaml", "spec.recipients[0].phone"),
    ]
    assert [c.key for c in result.state] == ["c"]


# -- the cycle collector, paused while loading ---------------------------------------------------


@pytest.mark.parametrize("enabled", [True, False])
def test_loading_leaves_the_cycle_collector_as_it_found_it(
    files: Files, load: Load, enabled: bool
) -> None:
    files({"ok.yaml": campaign_yaml(), "bad.yaml": "apiVersion: [unclosed\n"})
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        result = load()
        assert [c.key for c in result.state.campaigns] == ["winter-promo"]
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
