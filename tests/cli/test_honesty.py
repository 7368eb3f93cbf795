"""What vozzoctl says about what it did: saved plans, apply's counts, Ctrl-C, --version, --help."""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.conftest import AGENT, TOKEN, Vozzo
from vozzoctl import __version__
from vozzoctl.cli.main import run
from vozzoctl.demo import DEMO_TOKEN, STATE_FILE
from vozzoctl.emulator import EmulatorApp, create_app
from vozzoctl.emulator.server import running_emulator

CHILD_TIMEOUT_S = 60


def test_a_plan_with_errors_is_not_saved(vozzo: Vozzo) -> None:
    vozzo.campaign("promo", phones=["+919820012345", "+919845023456"])
    assert vozzo.run("apply", "--auto-approve").code == 0
    vozzo.campaign("promo", phones=["+919820012345"])  # a removed recipient: an error
    r = vozzo.run("plan", "--out", "plan.json")
    assert r.code == 1
    assert not (vozzo.root / "plan.json").exists()
    assert "Not saved to plan.json: this plan has errors" in r.err
    assert "apply it" not in r.err


def test_apply_counts_in_the_plans_words(vozzo: Vozzo) -> None:
    vozzo.campaign("promo", phones=["+919820012345"])
    vozzo.campaign("loans")
    first = vozzo.run("apply", "--auto-approve")
    assert "Plan: 2 to create;" in first.out
    assert "Apply complete: 2 created; 2 API call(s)" in first.out, first.out
    vozzo.campaign("promo", phones=["+919820012345", "+919845023456"])
    vozzo.campaign("loans", schedule={"end_hour": 17})
    second = vozzo.run("apply", "--auto-approve")
    assert "Plan: 1 to append, 1 to update;" in second.out
    assert "Apply complete: 1 appended, 1 updated; 2 API call(s)" in second.out, second.out


def test_version_is_the_installed_distributions(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--version"]) == 0
    out = capsys.readouterr().out
    assert out.strip() == f"vozzoctl, version {__version__}"
    assert importlib.metadata.version("vozzoctl") == __version__


@pytest.mark.parametrize("command", ["validate", "schema", "demo"])
def test_offline_commands_list_no_api_options(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run([command, "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--api-url", "--lockfile", "--concurrency", "--timeout"):
        assert option not in out
    assert "--no-color" in out


def test_commands_that_read_the_account_list_the_api_options(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(["plan", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--api-url" in out and "--lockfile" in out


def test_demo_keep_leaves_a_state_file_and_the_command_that_serves_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VOZZO_API_KEY", raising=False)
    monkeypatch.delenv("VOZZO_BASE_URL", raising=False)
    assert run(["demo", "--keep", "kept", "--no-color"]) == 0
    out = capsys.readouterr().out
    kept = tmp_path / "kept"
    assert (kept / STATE_FILE).is_file()
    serve = next(line.strip() for line in out.splitlines() if "emulator serve --port" in line)
    assert f"--state-file {STATE_FILE}" in serve and f"--token {DEMO_TOKEN}" in serve
    # what the printed command serves is what the kept lockfile names
    app = create_app(tokens=[DEMO_TOKEN], state_file=kept / STATE_FILE)
    try:
        live = {c["campaign_id"] for c in app.emulator.campaigns()}
    finally:
        app.emulator.close()
    lock = yaml.safe_load((kept / "vozzo.lock").read_text())
    recorded = {b["campaign_id"] for e in lock["campaigns"].values() for b in e["batches"]}
    assert recorded and recorded == live


# ---------------------------------------------------------------------------- Ctrl-C


@contextlib.contextmanager
def _sigint_caught() -> Iterator[None]:
    """A shell without job control starts background jobs with SIGINT ignored, and a child
    inherits "ignored" across exec. A caught signal is reset to the default at exec instead:
    so while the child starts, SIGINT is caught here, and the child finds it as a terminal's
    Ctrl-C does."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


@pytest.fixture
def slow_emulator() -> Iterator[tuple[EmulatorApp, str]]:
    """An emulator that parks the second write until the test releases it: an apply parked
    there has one create done and recorded, and most of its work left."""
    hold = {"method": "POST", "on": [2], "action": "hold"}
    app = create_app(tokens=[TOKEN], agents=[AGENT], fault_plan={"rules": [hold]})
    try:
        with running_emulator(app) as url:
            yield app, url
    finally:
        app.emulator.close()


@pytest.mark.slow
def test_ctrl_c_during_apply_says_what_was_done_and_the_next_apply_finishes(
    tmp_path: Path, slow_emulator: tuple[EmulatorApp, str]
) -> None:
    app, url = slow_emulator
    folder = tmp_path / "campaigns"
    folder.mkdir()
    keys = [f"k{i}" for i in range(30)]
    for n, key in enumerate(keys):
        doc = {
            "apiVersion": "vozzoctl/v1",
            "kind": "Campaign",
            "metadata": {"name": key},
            "spec": {
                "name": key.upper(),
                "agent": AGENT,
                "schedule": {"start_date": "2099-01-01", "start_hour": 9, "end_hour": 18},
                "retry": {"max_attempts": 3},
                "recipients": [{"phone": f"+9198200{n:03d}{i:02d}"} for i in range(2)],
            },
        }
        (folder / f"{key}.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    env = {**os.environ, "VOZZO_API_KEY": TOKEN, "VOZZO_BASE_URL": url, "NO_COLOR": "1"}
    argv = [sys.executable, "-m", "vozzoctl", "apply", "--auto-approve", "--concurrency", "1"]
    with _sigint_caught():
        child = subprocess.Popen(
            argv,
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    try:
        assert app.emulator.wait_held(timeout=CHILD_TIMEOUT_S), child.communicate()
        child.send_signal(signal.SIGINT)  # while its second create waits for an answer
        out, err = child.communicate(timeout=CHILD_TIMEOUT_S)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
        app.emulator.release()
    # the parked create reaches the server after all, as a request can after its client left
    served = app.emulator.wait_for_request(lambda r: r.fault == "hold", CHILD_TIMEOUT_S)
    assert served is not None
    assert child.returncode == 130, out + err
    assert "Interrupted: " in err and "operation(s) done, each recorded in vozzo.lock" in err
    assert "Run `vozzoctl apply` again to finish the rest" in err
    assert "Traceback" not in err

    # Creates whose intent was recorded but whose answer never came "may exist" until the
    # lists had time to show them; the emulator's lists never lag, so no wait is needed here.
    argv += ["--pending-wait", "0"]
    again = subprocess.run(argv, cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, check=False,
                           capture_output=True, text=True, timeout=CHILD_TIMEOUT_S)  # fmt: skip
    assert again.returncode == 0, again.stdout + again.stderr
    names = Counter(c["campaign_config"]["campaign_name"] for c in app.emulator.campaigns())
    assert names == Counter(k.upper() for k in keys)  # every key once: nothing twice
