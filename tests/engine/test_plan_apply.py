"""validate → plan → apply → plan, end to end against the emulator, as a user sees it."""

from __future__ import annotations

import json

from tests.conftest import AGENT2, TOKEN, UNKNOWN_AGENT, Vozzo


def names(vozzo: Vozzo) -> list[str]:
    return sorted(c["campaign_config"]["campaign_name"] for c in vozzo.live())


def test_the_whole_loop_converges(vozzo: Vozzo) -> None:
    vozzo.campaign("winter-promo", state="RUNNING")
    assert vozzo.run("validate", "-f", "campaigns").code == 0

    planned = vozzo.run("plan", "--detailed-exitcode")
    assert planned.code == 2
    assert "+ winter-promo  (create)" in planned.out
    assert "campaign_status=RUNNING" in planned.out  # both calls of a RUNNING create are shown
    assert "Plan: 1 to create; 2 API calls" in planned.out
    assert vozzo.live() == []  # plan sends nothing

    applied = vozzo.run("apply", "--auto-approve")
    assert applied.code == 0, applied.all
    assert "Apply complete" in applied.out
    [live] = vozzo.live()
    assert live["campaign_state"] == "RUNNING"
    assert live["total_records"] == 2

    again = vozzo.run("plan", "--detailed-exitcode")
    assert again.code == 0
    assert "No changes" in again.out


def test_a_create_sends_what_the_manifest_says(vozzo: Vozzo) -> None:
    vozzo.campaign(
        "loans",
        name="EMI Reminder",
        agent=AGENT2,
        language="hi",
        schedule={
            "start_date": vozzo.day(3),
            "end_date": vozzo.day(9),
            "start_hour": 9,
            "end_hour": 17,
            "weekends": True,
        },
        retry={"max_attempts": 2, "max_attempts_per_day": 1},
        metadata={"lender": "Acme"},
        phones=["+91 98200 12345"],
    )
    assert vozzo.run("apply", "--auto-approve").code == 0
    [post] = [r for r in vozzo.app.emulator.requests if r.method == "POST"]
    body = post.json()
    assert body == {
        "agent_uuid": AGENT2,
        "campaign_name": "EMI Reminder",
        "campaign_start_date": vozzo.day(3),
        "campaign_end_date": vozzo.day(9),
        "campaign_start_time": "09",
        "campaign_end_time": "17",
        "campaign_allow_weekends": True,
        "campaign_max_retry": 2,
        "campaign_max_retry_per_day": 1,
        "campaign_data": [
            {
                "to_phone_number": "+919820012345",
                "agent_language": "HI",
                "metadata": '{"lender":"Acme","n":0}',
            }
        ],
    }


def test_settings_are_updated_in_place_field_by_field(vozzo: Vozzo) -> None:
    vozzo.campaign("promo")
    vozzo.run("apply", "--auto-approve")
    vozzo.campaign("promo", schedule={"end_hour": 17}, retry={"max_attempts": 4})
    planned = vozzo.run("plan")
    assert "~ promo  (update)" in planned.out
    assert "spec.schedule.end_hour: 18 → 17" in planned.out
    assert "spec.retry.max_attempts: 3 → 4" in planned.out
    vozzo.app.emulator.clear_requests()
    assert vozzo.run("apply", "--auto-approve").code == 0
    [update] = [r for r in vozzo.app.emulator.requests if r.method == "POST"]
    assert update.params["campaign_end_time"] == "17"
    assert update.params["campaign_max_retry"] == "4"
    assert update.params["campaign_allow_weekends"] == "false"
    assert "campaign_start_time" not in update.params  # only what changed
    assert "No changes" in vozzo.run("plan").out


def test_added_recipients_go_into_a_new_batch_holding_only_them(vozzo: Vozzo) -> None:
    vozzo.campaign("promo", phones=["+919820012345"])
    vozzo.run("apply", "--auto-approve")
    vozzo.campaign("promo", phones=["+919820012345", "+919845023456"])
    planned = vozzo.run("plan")
    assert "» promo  (append)" in planned.out
    assert "'Promo #2': 1 recipient" in planned.out
    assert vozzo.run("apply", "--auto-approve").code == 0
    assert names(vozzo) == ["Promo", "Promo #2"]
    batch2 = next(c for c in vozzo.live() if c["campaign_config"]["campaign_name"] == "Promo #2")
    items = vozzo.app.emulator.items(batch2["campaign_id"])
    assert [i["to_phone_number"] for i in items] == ["+919845023456"]
    assert "No changes" in vozzo.run("plan").out
    assert [b["campaign_name"] for b in vozzo.lockfile()["campaigns"]["promo"]["batches"]] == [
        "Promo",
        "Promo #2",
    ]


def test_removed_recipients_are_refused_without_allow_replace(vozzo: Vozzo) -> None:
    vozzo.campaign("promo", phones=["+919820012345", "+919845023456"])
    vozzo.run("apply", "--auto-approve")
    vozzo.campaign("promo", phones=["+919820012345"])
    planned = vozzo.run("plan")
    assert planned.code == 1
    assert "cannot be done in place: 1 recipient(s) removed" in planned.out
    assert "--allow-replace would end 1 live campaign(s)" in planned.out
    refused = vozzo.run("apply", "--auto-approve")
    assert refused.code == 1
    assert "cannot be applied" in refused.err
    assert names(vozzo) == ["Promo"]


def test_allow_replace_ends_the_old_batch_and_creates_one_with_what_remains(vozzo: Vozzo) -> None:
    vozzo.campaign("promo", phones=["+919820012345", "+919845023456"], state="RUNNING")
    vozzo.run("apply", "--auto-approve")
    vozzo.campaign("promo", phones=["+919820012345"], state="RUNNING")
    assert vozzo.run("apply", "--allow-replace", "--auto-approve").code == 0
    states = {c["campaign_config"]["campaign_name"]: c["campaign_state"] for c in vozzo.live()}
    assert states == {"Promo": "ENDED", "Promo #2": "RUNNING"}
    new = next(c for c in vozzo.live() if c["campaign_state"] == "RUNNING")
    assert [i["to_phone_number"] for i in vozzo.app.emulator.items(new["campaign_id"])] == [
        "+919820012345"
    ]
    assert "No changes" in vozzo.run("plan").out


def test_a_lost_lockfile_is_recovered_by_adoption_not_duplicates(vozzo: Vozzo) -> None:
    vozzo.campaign("promo")
    vozzo.run("apply", "--auto-approve")
    (vozzo.root / "vozzo.lock").unlink()
    planned = vozzo.run("plan", "--detailed-exitcode")
    assert planned.code == 2
    assert "← promo  (adopt)" in planned.out
    assert "POST /v1alpha/campaign" not in planned.out
    assert vozzo.run("apply", "--auto-approve").code == 0
    assert len(vozzo.live()) == 1
    assert "No changes" in vozzo.run("plan").out


def test_two_live_campaigns_of_one_name_are_not_guessed_between(vozzo: Vozzo) -> None:
    vozzo.campaign("promo")
    vozzo.run("apply", "--auto-approve")
    (vozzo.root / "vozzo.lock").unlink()
    vozzo.run("apply", "--auto-approve")  # adopt
    (vozzo.root / "vozzo.lock").unlink()
    vozzo.write("other/promo.yaml", (vozzo.root / "campaigns/promo.yaml").read_text())
    # a second campaign of the same name, made outside vozzoctl
    import httpx

    from vozzoctl.emulator import SyncASGITransport

    with httpx.Client(transport=SyncASGITransport(vozzo.app), base_url="http://e") as c:
        body = json.loads(
            next(r for r in vozzo.app.emulator.requests if r.method == "POST").body or "{}"
        )
        c.post("/v1alpha/campaign", json=body, headers={"Authorization": f"Token {TOKEN}"})
    planned = vozzo.run("plan")
    assert planned.code == 1
    assert "2 live campaigns are named 'Promo'" in planned.out


def test_prune_ends_keys_gone_from_the_manifests(vozzo: Vozzo) -> None:
    vozzo.campaign("promo", state="RUNNING")
    vozzo.campaign("other")
    vozzo.run("apply", "--auto-approve")
    (vozzo.root / "campaigns/promo.yaml").unlink()
    left = vozzo.run("plan", "--detailed-exitcode")
    assert left.code == 0
    pruned = vozzo.run("plan", "--prune")
    assert "⊘ promo  (end)" in pruned.out
    assert vozzo.run("apply", "--prune", "--auto-approve").code == 0
    states = {c["campaign_config"]["campaign_name"]: c["campaign_state"] for c in vozzo.live()}
    assert states == {"Promo": "ENDED", "Other": "TO_START"}
    assert list(vozzo.lockfile()["campaigns"]) == ["other"]


def test_an_unreachable_state_names_the_fix(vozzo: Vozzo) -> None:
    vozzo.campaign("promo", state="RUNNING")
    vozzo.run("apply", "--auto-approve")
    vozzo.campaign("promo", state="TO_START")
    planned = vozzo.run("plan")
    assert planned.code == 1
    assert "state RUNNING → TO_START is not possible (to pause, use SUSPENDED)" in planned.out


def test_a_past_start_date_blocks_only_a_new_campaign(vozzo: Vozzo) -> None:
    vozzo.campaign("late", schedule={"start_date": vozzo.day(-2)})
    validated = vozzo.run("validate", "-f", "campaigns")
    assert validated.code == 0
    assert "warning: spec.schedule.start_date" in validated.err
    planned = vozzo.run("plan")
    assert planned.code == 1
    assert "has passed" in planned.out
    assert vozzo.live() == []


def test_an_unknown_agent_is_named_before_any_write(vozzo: Vozzo) -> None:
    vozzo.campaign("promo", agent=UNKNOWN_AGENT)
    planned = vozzo.run("plan")
    assert planned.code == 1
    assert f"agent {UNKNOWN_AGENT} does not exist" in planned.out
    assert vozzo.run("apply", "--auto-approve").code == 1
    assert vozzo.live() == []


def test_too_many_new_calls_are_refused_unless_raised(vozzo: Vozzo) -> None:
    vozzo.campaign("promo")
    planned = vozzo.run("plan", "--max-new-recipients", "1")
    assert planned.code == 1
    assert "would schedule 2 new calls, more than --max-new-recipients 1" in planned.out
    assert vozzo.run("plan", "--max-new-recipients", "2").code == 0


def test_invalid_manifests_send_nothing(vozzo: Vozzo) -> None:
    vozzo.campaign("promo", retry={"max_attempts": 9})
    applied = vozzo.run("apply", "--auto-approve")
    assert applied.code == 1
    assert "spec.retry.max_attempts: 9 is outside 1-5" in applied.err
    assert "nothing was sent" in applied.err
    assert vozzo.app.emulator.requests == []


def test_apply_without_a_terminal_needs_auto_approve(vozzo: Vozzo) -> None:
    vozzo.campaign("promo")
    refused = vozzo.run("apply")
    assert refused.code == 1
    assert "no terminal to ask for confirmation" in refused.err
    assert vozzo.live() == []


def test_selector_and_target_narrow_the_plan(vozzo: Vozzo) -> None:
    vozzo.campaign("a")
    vozzo.campaign("b")
    only_a = vozzo.run("plan", "--target", "a")
    assert "+ a  (create)" in only_a.out and "+ b" not in only_a.out
    assert "+ a" not in vozzo.run("plan", "--selector", "team=x").out


def test_json_plan_is_stable_and_alone_on_stdout(vozzo: Vozzo) -> None:
    vozzo.campaign("promo", state="RUNNING")
    planned = vozzo.run("plan", "--format", "json")
    doc = json.loads(planned.out)
    assert doc["format_version"] == 1
    assert doc["summary"]["create"] == 1
    [change] = doc["changes"]
    assert change["key"] == "promo"
    assert change["action"] == "create"
    assert change["recipients"] == {"add": 2, "remove": 0, "suppressed": 0, "excluded": 0}
    assert len(change["calls"]) == 2


def test_markdown_plan_folds_details(vozzo: Vozzo) -> None:
    vozzo.campaign("promo")
    md = vozzo.run("plan", "--format", "markdown").out
    assert md.startswith("### vozzoctl plan")
    assert "| + create | 1 |" in md
    assert "<details><summary><code>+ promo</code> — create</summary>" in md


def test_a_saved_plan_is_applied_exactly_or_refused_when_stale(vozzo: Vozzo) -> None:
    vozzo.campaign("promo")
    assert vozzo.run("plan", "--out", "plan.json").code == 0
    saved = (vozzo.root / "plan.json").read_text()
    assert TOKEN not in saved and "+919820012345" not in saved
    vozzo.campaign("promo", schedule={"end_hour": 17})  # the manifests move on
    stale = vozzo.run("apply", "plan.json")
    assert stale.code == 1
    assert "plan is stale: the manifests changed" in stale.err
    assert vozzo.live() == []
    assert vozzo.run("plan", "--out", "plan.json").code == 0
    assert vozzo.run("apply", "plan.json").code == 0
    assert len(vozzo.live()) == 1
    # applying it twice: the lockfile changed since
    assert "plan is stale" in vozzo.run("apply", "plan.json").err


def test_the_key_and_full_numbers_appear_nowhere(vozzo: Vozzo) -> None:
    vozzo.campaign("promo", phones=["+919820012345"])
    outputs = [
        vozzo.run("-v", "plan", "--out", "plan.json"),
        vozzo.run("apply", "--auto-approve", "-v"),
        vozzo.run("plan", "--format", "markdown"),
    ]
    vozzo.campaign("promo", phones=["+919845023456"])
    outputs.append(vozzo.run("plan", "-v"))
    assert "GET /v1alpha/campaigns/agent/" in outputs[0].err  # -v logs each request
    assert "connect_tcp" not in outputs[0].err  # vozzoctl's lines, not httpcore's trace
    texts = [r.all for r in outputs]
    texts += [(vozzo.root / "plan.json").read_text(), (vozzo.root / "vozzo.lock").read_text()]
    for text in texts:
        assert TOKEN not in text
        assert "9820012345" not in text and "9845023456" not in text


def test_no_refresh_says_what_changed_since_the_last_apply_without_reading(vozzo: Vozzo) -> None:
    vozzo.campaign("promo")
    vozzo.campaign("other")
    vozzo.run("apply", "--auto-approve")
    vozzo.campaign("promo", schedule={"end_hour": 17})
    vozzo.campaign("fresh")
    vozzo.app.emulator.clear_requests()
    offline = vozzo.run("plan", "--no-refresh", "--detailed-exitcode")
    assert offline.code == 2
    assert vozzo.app.emulator.requests == []  # nothing read
    assert "~ promo  (update)" in offline.out
    assert "settings changed since the last apply" in offline.out
    assert "+ fresh  (create)" in offline.out
    assert "other" not in offline.out
    assert "Not refreshed" in offline.out
    refused = vozzo.run("plan", "--no-refresh", "--out", "p.json")
    assert refused.code == 1
    assert "cannot be saved" in refused.err


def test_a_finished_campaign_is_never_fixed_and_the_plan_says_so(vozzo: Vozzo) -> None:
    vozzo.campaign("promo", state="RUNNING")
    vozzo.run("apply", "--auto-approve")
    [live] = vozzo.live()
    vozzo.app.emulator.advance(days=30)  # every call placed: the service completes it
    [live] = vozzo.live()
    assert live["campaign_state"] == "COMPLETED"
    vozzo.campaign("promo", state="RUNNING", schedule={"end_hour": 17})
    planned = vozzo.run("plan", "--detailed-exitcode")
    assert planned.code == 0
    assert "warning: Promo is COMPLETED, which is final: it is left as it is" in planned.out
    assert "update-campaign" not in planned.out


def test_what_did_not_converge_is_named(vozzo: Vozzo) -> None:
    import httpx

    from vozzoctl.cli import runtime

    class Forgetful(httpx.AsyncBaseTransport):
        """A service that answers an update as done but forgets campaign_end_time."""

        def __init__(self) -> None:
            self.inner = httpx.ASGITransport(app=vozzo.app)

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if "update-campaign" in request.url.path:
                params = [
                    (k, v) for k, v in request.url.params.multi_items() if k != "campaign_end_time"
                ]
                request = httpx.Request(
                    request.method, request.url.copy_with(params=params), headers=request.headers
                )
            return await self.inner.handle_async_request(request)

    vozzo.campaign("promo")
    assert vozzo.run("apply", "--auto-approve").code == 0
    vozzo.campaign("promo", schedule={"end_hour": 17})
    runtime.set_transport_factory(Forgetful)
    applied = vozzo.run("apply", "--auto-approve")
    assert applied.code == 1
    assert "error: did not converge: promo: Promo end_hour is 18, not 17" in applied.err
    assert "Apply incomplete" in applied.out


def change_outside(vozzo: Vozzo, campaign_id: str, **query: str) -> None:
    """An edit made in the Vozzo dashboard (or by another tool): the API's own update call."""
    import httpx

    from vozzoctl.emulator import SyncASGITransport

    with httpx.Client(transport=SyncASGITransport(vozzo.app), base_url="http://e") as c:
        r = c.post(
            f"/v1alpha/campaign/update-campaign/{campaign_id}/",
            params={"campaign_allow_weekends": "false", **query},
            headers={"Authorization": f"Token {TOKEN}"},
        )
        assert r.status_code == 200, r.text


def updates(vozzo: Vozzo) -> list[dict[str, str]]:
    return [r.params for r in vozzo.app.emulator.requests if "update-campaign" in r.path]


def test_a_saved_plan_is_refused_when_a_live_campaign_changed_since(vozzo: Vozzo) -> None:
    vozzo.campaign("promo")
    assert vozzo.run("apply", "--auto-approve").code == 0
    vozzo.campaign("promo", schedule={"end_hour": 17})
    assert vozzo.run("plan", "--out", "plan.json").code == 0
    [live] = vozzo.live()
    change_outside(vozzo, live["campaign_id"], campaign_end_time="16")
    vozzo.app.emulator.clear_requests()
    stale = vozzo.run("apply", "plan.json")
    assert stale.code == 1
    assert "plan is stale: live campaigns changed since it was made" in stale.err
    assert "hint: run vozzoctl plan again and apply the new plan" in stale.err
    assert updates(vozzo) == []  # refused before any write
    [live] = vozzo.live()
    assert live["campaign_config"]["timeslot_settings"]["end_time"] == "16"


def test_drift_is_shown_as_changed_outside_vozzoctl_and_set_back(vozzo: Vozzo) -> None:
    vozzo.campaign("promo")
    assert vozzo.run("apply", "--auto-approve").code == 0
    [live] = vozzo.live()
    change_outside(vozzo, live["campaign_id"], campaign_end_time="16", campaign_max_retry="5")
    planned = vozzo.run("plan", "--detailed-exitcode")
    assert planned.code == 2
    assert "spec.schedule.end_hour: 16 → 18  (changed outside vozzoctl)" in planned.out
    assert "spec.retry.max_attempts: 5 → 3  (changed outside vozzoctl)" in planned.out
    md = vozzo.run("plan", "--format", "markdown").out
    assert "| `spec.schedule.end_hour` | 16 | 18 *(changed outside vozzoctl)* |" in md
    [change] = json.loads(vozzo.run("plan", "--format", "json").out)["changes"]
    assert change["fields"]["spec.schedule.end_hour"] == {"from": "16", "to": "18", "drift": True}
    vozzo.app.emulator.clear_requests()
    assert vozzo.run("apply", "--auto-approve").code == 0
    [sent] = updates(vozzo)
    assert (sent["campaign_end_time"], sent["campaign_max_retry"]) == ("18", "3")
    assert vozzo.run("plan", "--detailed-exitcode").code == 0
    # an edit of the manifest is a change, not drift
    vozzo.campaign("promo", schedule={"end_hour": 17})
    edited = vozzo.run("plan").out
    assert "spec.schedule.end_hour: 18 → 17\n" in edited
    assert "changed outside" not in edited
