"""Print the emulator's OpenAPI document, as committed in schemas/vozzo-openapi.json.

python -m vozzoctl.emulator.openapi > schemas/vozzo-openapi.json
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any


def document() -> dict[str, Any]:
    from vozzoctl.emulator.app import create_app

    app = create_app(clock=lambda: datetime(2026, 1, 1, tzinfo=UTC))
    try:
        return app.openapi()
    finally:
        app.emulator.close()


def render() -> str:
    return json.dumps(document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
