"""Shared fixtures: real servers on loopback hosting the test doubles, channels to them, and a
tiny UCF101-format set rendered by the gym."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

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


@pytest.fixture(scope="session")
def tiny_ucf(tmp_path_factory) -> Path:
    """Two exercises, a held-out (test) and a training performer each, one 1-rep clip each."""
    from synth.dataset import plan_videos, write_videos

    out = tmp_path_factory.mktemp("ucf")
    entries = plan_videos(
        groups=4,
        clips_per_group=1,
        short_side=96,
        exercises=("BodyWeightSquats", "PushUps"),
        reps=1,
    )
    write_videos(out, [e for e in entries if e.group in (1, 2)])
    return out
