"""The demo, every command's help and shell completion run for real (the kit: test_kit.py)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import click
import pytest

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
