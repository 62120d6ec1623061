"""Shared fixtures: real servers on loopback hosting the test doubles, and channels to them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest

from common.channels import open_channel
from common.server import RunningServer, start_server
from common.settings import ServerSettings
from tests.common.doubles import SlowScorer, pose_binding, scorer_binding


@pytest.fixture
def slow_scorer() -> SlowScorer:
    return SlowScorer()


@pytest.fixture
async def double_server(slow_scorer: SlowScorer) -> AsyncIterator[RunningServer]:
    running = await start_server(
        ServerSettings(port=0), [scorer_binding(slow_scorer), pose_binding()]
    )
    yield running
    await running.stop(None)


@pytest.fixture
async def double_channel(double_server: RunningServer) -> AsyncIterator[grpc.aio.Channel]:
    async with open_channel(f"127.0.0.1:{double_server.port}", max_attempts=1) as channel:
        yield channel
