from __future__ import annotations

import pytest
from api_fakes import ClientFor, Sleeps, client_factory


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client_for(sleeps: Sleeps) -> ClientFor:
    return client_factory(sleeps)
