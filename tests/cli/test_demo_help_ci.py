"""The demo, every command's help, shell completion, and the GitOps kit run for real."""

from __future__ import annotations

import os
import re
import shlex
import shutil
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from tests.conftest import READ_ONLY_TOKEN, TOKEN, Vozzo
from vozzoctl import clock
from vozzoctl.cli import runtime
from vozzoctl.cli.main import COMMANDS, LazyGroup, cli, run

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "campaigns.example"
SHIPPED = ROOT / "vozzoctl" / "data" / "example"


def visible_files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    }


def test_the_shipped_example_is_campaigns_example() -> None:
    assert visible_files(SHIPPED) == visible_files(EXAMPLE), (
        "vozzoctl/data/example differs from campaigns.example: copy it again with "
        "rm -r vozzoctl/data/example && mkdir vozzoctl/data/example && "
        "cp -r campaigns.example/campaigns campaigns.example/schema vozzoctl/data/example/"
    )


# ---------------------------------------------------------------------------- demo


def test_demo_runs_the_quick_start_with_no_key_and_no_network(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VOZZO_API_KEY", raising=False)
    monkeypatch.delenv("VOZZO_BASE_URL", raising=False)
    code = run(["demo", "--keep", "kept"])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert "so that the first starts tomorrow" in out
    steps = ["validate -f campaigns", "plan", "apply --auto-approve", "status",
             "plan --detailed-exitcode"]  # fmt: skip
    for step in steps:
        assert f"$ vozzoctl {step}" in out
    assert "Plan: 3 to create" in out
    assert "» winter-followup-2026  (append)" in out
    assert "No changes: the live account matches the manifests." in out
    assert re.search(r"winter-promo-2026 .* RUNNING +[1-9]/3", out), out
    assert "+919" not in out + err  # phone numbers masked all along
    kept = tmp_path / "kept"
    assert (kept / "vozzo.lock").exists() and (kept / "campaigns" / "defaults.yaml").exists()
    # everything the demo changed is put back
    assert Path.cwd() == tmp_path
    assert "VOZZO_API_KEY" not in os.environ
    assert getattr(runtime, "_transport_factory", None) is None
    assert getattr(clock, "_clock", None) is None


def test_demo_leaves_nothing_behind_and_refuses_a_full_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("")
    assert run(["demo", "--keep", "full"]) == 1
    assert "error: --keep full: the folder is not empty" in capsys.readouterr().err
    assert run(["demo", "--no-color"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full"]


# ---------------------------------------------------------------------------- help, completion


def leaf_commands() -> list[tuple[list[str], click.Command]]:
    ctx = click.Context(cli)
    out: list[tuple[list[str], click.Command]] = []
    for name in sorted(COMMANDS):
        cmd = LazyGroup.get_command(cli, ctx, name)  # type: ignore[arg-type]
        assert cmd is not None
        if isinstance(cmd, click.Group):
            out += [([name, sub], cmd.commands[sub]) for sub in sorted(cmd.commands)]
        else:
            out.append(([name], cmd))
    return out


@pytest.mark.parametrize("argv", [argv for argv, _ in leaf_commands()], ids=" ".join)
def test_every_command_help_shows_an_example(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run([*argv, "--help"]) == 0
    out = capsys.readouterr().out
    assert "Example" in out
    assert f"vozzoctl {argv[0]}" in out


def test_shell_completion_works_with_the_lazy_group(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("_VOZZOCTL_COMPLETE", "bash_source")
    with pytest.raises(SystemExit) as done:
        run([])
    assert done.value.code == 0
    script = capsys.readouterr().out
    assert "_vozzoctl_completion" in script
    monkeypatch.delenv("_VOZZOCTL_COMPLETE")
    assert run(["completion", "bash"]) == 0
    assert capsys.readouterr().out.strip() == script.strip()

    monkeypatch.chdir(tmp_path)
    (tmp_path / "vozzo.lock").write_text(
        '{"format_version": 1, "serial": 1, "api_url": "x", "campaigns": '
        '{"winter-promo": {"batches": []}, "loans": {"batches": []}}}'
    )
    for words, cword, want in [
        ("vozzoctl st", 1, "plain,status"),
        ("vozzoctl plan --detailed", 2, "plain,--detailed-exitcode"),
        ("vozzoctl status win", 2, "plain,winter-promo"),
        ("vozzoctl calls l", 2, "plain,loans"),
    ]:
        monkeypatch.setenv("_VOZZOCTL_COMPLETE", "bash_complete")
        monkeypatch.setenv("COMP_WORDS", words)
        monkeypatch.setenv("COMP_CWORD", str(cword))
        with pytest.raises(SystemExit):
            run([])
        assert want in capsys.readouterr().out.splitlines()


# ---------------------------------------------------------------------------- the GitOps kit


def vozzoctl_lines(script: str) -> list[list[str]]:
    """Every `vozzoctl …` command in a shell script, without redirections and what follows."""
    found = []
    for line in script.splitlines():
        for piece in re.split(r";|&&|\|\||\bthen\b", line):
            command = piece.strip()
            if command.startswith("vozzoctl "):
                command = re.split(r"\s(?:\d?>|\|)", command)[0]
                found.append(shlex.split(command)[1:])
    return found


def key_for(expr: str) -> str:
    """`${{ secrets.VOZZO_READ_KEY }}` / `$VOZZO_READ_KEY` → the emulator's read-only key."""
    return READ_ONLY_TOKEN if "READ" in expr else TOKEN


def github_commands() -> list[tuple[str, list[str]]]:
    doc = yaml.safe_load((EXAMPLE / ".github/workflows/vozzoctl.yml").read_text())
    out = []
    for job in ("plan", "apply"):
        for step in doc["jobs"][job]["steps"]:
            env = step.get("env", {})
            for argv in vozzoctl_lines(step.get("run", "")):
                out.append((key_for(env.get("VOZZO_API_KEY", "")), argv))
    return out


def gitlab_commands() -> list[tuple[str, list[str]]]:
    doc = yaml.safe_load((EXAMPLE / ".gitlab-ci.yml").read_text())
    out = []
    for job in ("validate", "plan", "apply"):
        variables = doc[job].get("variables", {})
        for line in doc[job]["script"]:
            for argv in vozzoctl_lines(line):
                out.append((key_for(variables.get("VOZZO_API_KEY", "")), argv))
    return out


def test_the_github_workflow_is_wired_safely() -> None:
    doc: dict[Any, Any] = yaml.safe_load((EXAMPLE / ".github/workflows/vozzoctl.yml").read_text())
    on = doc[True]  # YAML 1.1 reads the key `on` as true
    assert "pull_request" in on and on["push"]["branches"] == ["main"]
    plan, apply = doc["jobs"]["plan"], doc["jobs"]["apply"]
    uses = [s.get("uses", "") for s in plan["steps"]]
    assert any(u.startswith("marocchino/sticky-pull-request-comment") for u in uses)
    assert "VOZZO_READ_KEY" in str(plan) and "VOZZO_WRITE_KEY" not in str(plan)
    assert apply["concurrency"] == {"group": "vozzoctl-apply", "cancel-in-progress": False}
    assert apply["permissions"] == {"contents": "write"}
    commit = apply["steps"][-1]
    assert commit["if"] == "always()" and "git add vozzo.lock" in commit["run"]
    gitlab = yaml.safe_load((EXAMPLE / ".gitlab-ci.yml").read_text())
    assert gitlab["apply"]["resource_group"]
    assert all(isinstance(line, str) for job in gitlab.values() if isinstance(job, dict)
               for line in job.get("script", []) + job.get("after_script", []))  # fmt: skip
    assert "git add vozzo.lock" in gitlab["apply"]["after_script"]


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_every_vozzoctl_line_of_the_ci_examples_runs(
    vozzo: Vozzo, monkeypatch: pytest.MonkeyPatch, ci: str
) -> None:
    shutil.copytree(EXAMPLE / "campaigns", vozzo.root / "campaigns")
    commands = github_commands() if ci == "github" else gitlab_commands()
    assert [argv[0] for _, argv in commands] == ["validate", "plan", "apply"]
    for key, argv in commands:
        monkeypatch.setenv("VOZZO_API_KEY", key)
        r = vozzo.run(*argv)
        if argv[0] == "plan":
            assert r.code == 2, r.all  # --detailed-exitcode: changes present
            assert "| + create | 3 |" in r.out  # the Markdown summary table
            assert "+ winter-promo-2026" in r.out  # and the key's own folded block
        else:
            assert r.code == 0, r.all
        assert key not in r.all
    monkeypatch.setenv("VOZZO_API_KEY", READ_ONLY_TOKEN)
    [plan] = [argv for _, argv in commands if argv[0] == "plan"]
    assert vozzo.run(*plan).code == 0  # after the apply: no changes


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
