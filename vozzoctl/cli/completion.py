"""`vozzoctl completion SHELL`: the shell-completion script, from click's own machinery."""

from __future__ import annotations

import click


@click.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> int:
    """Print the completion script for SHELL: commands, options, and keys from vozzo.lock.

    The same script as `_VOZZOCTL_COMPLETE=<shell>_source vozzoctl`.

    \b
    Example:
      eval "$(vozzoctl completion bash)"                 # in ~/.bashrc
      vozzoctl completion zsh > ~/.zfunc/_vozzoctl       # zsh: a file on $fpath
      vozzoctl completion fish > ~/.config/fish/completions/vozzoctl.fish
    """
    from click.shell_completion import get_completion_class

    from vozzoctl.cli.main import cli

    cls = get_completion_class(shell)
    assert cls is not None  # every choice above is one of click's shells
    click.echo(cls(cli, {}, "vozzoctl", "_VOZZOCTL_COMPLETE").source())
    return 0
