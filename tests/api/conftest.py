from __future__ import annotations

import pytest
from api_fakes import ClientFor, Sleeps, client_factory

# The emulator's fixtures (emulator_app, emulator, emulator_server, emulator_variant, ...) for
# the contract tests; `pytest_plugins` may only be set in the root conftest.
from vozzoctl.emulator.pytest_plugin import *  # noqa: F403


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client_for(sleeps: Sleeps) -> ClientFor:
    return client_factory(sleeps)
