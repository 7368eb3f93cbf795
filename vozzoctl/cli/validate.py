"""`vozzoctl validate`: offline checks of every manifest; no network."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from vozzoctl.cli.common import offline_options, settings, use_color
from vozzoctl.clock import today_ist
from vozzoctl.manifest import load_desired_state, scope
from vozzoctl.render.diagnostics import as_json, diagnostic_lines, summary_line

file_option = click.option(
    "-f",
    "--file",
    "paths",
    multiple=True,
    type=click.Path(),
    metavar="PATH",
    help="A manifest file or a folder read recursively; repeatable (default ./campaigns).",
)
exclude_option = click.option(
    "--exclude-noncompliant",
    is_flag=True,
    help="Leave out recipients whose local calling hours break spec.compliance, and say so.",
)


@click.command()
@click.argument("files", nargs=-1, type=click.Path(), metavar="[PATH]...")
@file_option
@exclude_option
@click.option(
    "--with-defaults",
    is_flag=True,
    help="Read each PATH with the Defaults that apply to it (folders above, up to here); "
    "a changed Defaults file brings in its folder. For checking only the files that changed.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for tools (stdout holds only the JSON document).",
)
@offline_options
def validate(
    files: tuple[str, ...],
    paths: tuple[str, ...],
    exclude_noncompliant: bool,
    with_defaults: bool,
    fmt: str,
) -> int:
    """Check every manifest offline: format, values, recipients, CSV files.

    Every problem of the whole set is reported in one run, each with its file, line and
    a fix. Exit code 0 when valid (warnings allowed), 1 otherwise. PATHs given without -f
    count the same (as pre-commit passes them).

    \b
    Example:
      vozzoctl validate -f campaigns
      vozzoctl validate -f campaigns/winter.yaml --format json | jq .summary
      vozzoctl validate campaigns/a.yaml campaigns/b.yaml
      vozzoctl validate --with-defaults campaigns/promotions/winter-promo.yaml
    """
    given: list[str | Path] = [*paths, *files]
    if with_defaults:
        given = list(scope.with_defaults([Path(p) for p in given], Path.cwd()))
    result = load_desired_state(given, today=today_ist(), exclude_noncompliant=exclude_noncompliant)
    if fmt == "json":
        click.echo(as_json(result))
        return 0 if result.ok else 1
    s = settings()
    err_color = use_color(s, sys.stderr)
    for line in diagnostic_lines(result.diagnostics, color=err_color):
        click.echo(line, err=True)
    click.echo(summary_line(result, color=use_color(s)))
    return 0 if result.ok else 1
