"""The gateway's fixtures: models for the four services, and the services running."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.gateway.system import Models, System, build_models, running_system


@pytest.fixture(scope="module")
def models(tiny_ucf: Path, tmp_path_factory) -> Models:
    return build_models(tiny_ucf, tmp_path_factory.mktemp("models"))


@pytest.fixture
async def system(models: Models) -> AsyncIterator[System]:
    async with running_system(models, models.squats) as running:
        yield running
