"""`vozzoctl schema`: the manifests' JSON Schema, for editors and CI."""

from __future__ import annotations

import json

import click

from vozzoctl.cli.common import offline_options
from vozzoctl.manifest.models import json_schema


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@click.command()
@offline_options
def schema() -> int:
    """Print the JSON Schema (2020-12) of manifest documents (Campaign and Defaults).

    \b
    Example:
      vozzoctl schema > schemas/campaign.schema.json
    Then, at the top of a manifest, for completion in editors:
      # yaml-language-server: $schema=../schemas/campaign.schema.json
    """
    click.echo(schema_text(), nl=False)
    return 0
