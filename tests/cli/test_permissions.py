"""A read-only key: apply asks auth/me first and sends no write at all."""

from __future__ import annotations

import pytest

from tests.conftest import READ_ONLY_TOKEN, Result, Vozzo
from vozzoctl.cli import runtime
from vozzoctl.emulator import EmulatorApp
from vozzoctl.emulator.server import running_emulator


def writes(app: EmulatorApp) -> list[str]:
    return [f"{r.method} {r.path}" for r in app.emulator.requests if r.method != "GET"]


@pytest.fixture
def read_only(vozzo: Vozzo, monkeypatch: pytest.MonkeyPatch) -> Vozzo:
    vozzo.campaign("winter-promo", state="RUNNING")
    vozzo.campaign("loans", phones=["+919820099999"])
    monkeypatch.setenv("VOZZO_API_KEY", READ_ONLY_TOKEN)
    return vozzo


def apply_over_a_socket(vozzo: Vozzo, monkeypatch: pytest.MonkeyPatch) -> Result:
    """`apply` against the emulator served on a loopback port; returns once the server has
    stopped, so its request log holds every request."""
    with running_emulator(vozzo.app) as base_url:
        runtime.set_transport_factory(None)
        monkeypatch.setenv("VOZZO_BASE_URL", base_url)
        return vozzo.run("apply", "--auto-approve")


def check_refused(vozzo: Vozzo, r: Result) -> None:
    assert r.code == 1
    assert "+ winter-promo  (create)" in r.out  # the plan is shown, then refused
    errors = [line for line in r.err.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: the key is read-only (auth/me lists no campaign:write permission): nothing was sent"
    ]
    assert "campaign:write" in r.err and READ_ONLY_TOKEN not in r.all
    assert writes(vozzo.app) == []
    assert any(r.path == "/v1alpha/auth/me" for r in vozzo.app.emulator.requests)
    assert vozzo.live() == []
    assert not (vozzo.root / "vozzo.lock").exists()  # not even an intent was recorded


def test_a_read_only_key_sends_no_write_and_says_so_once(read_only: Vozzo) -> None:
    check_refused(read_only, read_only.run("apply", "--auto-approve"))


def test_a_read_only_key_sends_no_write_over_a_socket(
    read_only: Vozzo, monkeypatch: pytest.MonkeyPatch
) -> None:
    check_refused(read_only, apply_over_a_socket(read_only, monkeypatch))


def test_a_read_only_key_still_plans(read_only: Vozzo) -> None:
    r = read_only.run("plan", "--detailed-exitcode")
    assert r.code == 2, r.all
    assert writes(read_only.app) == []


def test_a_key_that_may_write_applies_after_asking(vozzo: Vozzo) -> None:
    vozzo.campaign("winter-promo")
    r = vozzo.run("apply", "--auto-approve")
    assert r.code == 0, r.all
    assert writes(vozzo.app) == ["POST /v1alpha/campaign"]
    gets = [r.path for r in vozzo.app.emulator.requests if r.method == "GET"]
    assert gets.count("/v1alpha/auth/me") == 1


def test_nothing_to_apply_asks_nothing(vozzo: Vozzo) -> None:
    vozzo.campaign("winter-promo")
    assert vozzo.run("apply", "--auto-approve").code == 0
    vozzo.app.emulator.clear_requests()
    r = vozzo.run("apply", "--auto-approve")
    assert r.code == 0, r.all
    assert "/v1alpha/auth/me" not in [r.path for r in vozzo.app.emulator.requests]


@pytest.mark.parametrize("emulator_variant", ["legacy"])
def test_without_auth_me_the_api_refuses_each_write_as_before(read_only: Vozzo) -> None:
    # The older draft has no auth/me: nothing tells the key is read-only until a write is
    # refused, so apply goes on and the API's 403 is reported for each key.
    r = read_only.run("apply", "--auto-approve")
    assert r.code == 1
    assert "403" in r.err and READ_ONLY_TOKEN not in r.all
    assert writes(read_only.app) == ["POST /v1alpha/campaign"] * 2
    assert read_only.live() == []
