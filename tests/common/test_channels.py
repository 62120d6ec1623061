"""Client channels over several replicas: round-robin, retries on UNAVAILABLE, targets."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import grpc
import pytest

from common.channels import open_channel, replica_target
from common.fitness.v1 import scoring_pb2, scoring_pb2_grpc
from common.server import RunningServer, start_server
from common.settings import ServerSettings
from tests.common.doubles import SlowScorer, scorer_binding


@pytest.fixture
async def replicas() -> AsyncIterator[list[tuple[SlowScorer, RunningServer]]]:
    started = []
    for name in ("a", "b"):
        scorer = SlowScorer(replica=name)
        started.append(
            (scorer, await start_server(ServerSettings(port=0), [scorer_binding(scorer)]))
        )
    yield started
    for _, server in started:
        await server.stop(None)


def addresses(replicas: list[tuple[SlowScorer, RunningServer]]) -> list[str]:
    return [f"127.0.0.1:{server.port}" for _, server in replicas]


async def list_exercises(channel: grpc.aio.Channel, calls: int) -> list[str]:
    stub = scoring_pb2_grpc.KeypointScorerStub(channel)
    answered = []
    for _ in range(calls):
        response = await stub.ListExercises(scoring_pb2.ListExercisesRequest(), timeout=5)
        answered.append(response.exercises[0].display_name)
    return answered


async def test_calls_are_spread_round_robin_over_the_replicas(replicas):
    async with open_channel(addresses(replicas)) as channel:
        await channel.channel_ready()
        answered = await list_exercises(channel, 20)
    assert answered.count("a") >= 5
    assert answered.count("b") >= 5


async def test_calls_go_on_when_one_replica_stops(replicas):
    async with open_channel(addresses(replicas)) as channel:
        await list_exercises(channel, 4)
        await replicas[0][1].stop(None)
        answered = await list_exercises(channel, 10)
    assert set(answered) == {"b"}


async def test_a_call_answered_unavailable_is_retried(replicas):
    scorer, server = replicas[0]
    scorer.unavailable_first = 2
    async with open_channel(f"127.0.0.1:{server.port}", max_attempts=4) as channel:
        stub = scoring_pb2_grpc.KeypointScorerStub(channel)
        response = await stub.Score(scoring_pb2.ScoreRequest(exercise_id="ok"), timeout=5)
    assert response.exercise_id == "ok"
    assert scorer.score_calls == 3


async def test_without_retries_unavailable_reaches_the_caller(replicas):
    scorer, server = replicas[0]
    scorer.unavailable_first = 1
    async with open_channel(f"127.0.0.1:{server.port}", max_attempts=1) as channel:
        stub = scoring_pb2_grpc.KeypointScorerStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await stub.Score(scoring_pb2.ScoreRequest(exercise_id="ok"), timeout=5)
    assert error.value.code() == grpc.StatusCode.UNAVAILABLE
    assert "warming up" in error.value.details()


async def test_with_every_replica_down_a_call_fails_fast_as_unavailable(replicas):
    targets = addresses(replicas)
    for _, server in replicas:
        await server.stop(None)
    async with open_channel(targets) as channel:
        started = time.monotonic()
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await list_exercises(channel, 1)
    assert error.value.code() == grpc.StatusCode.UNAVAILABLE
    assert time.monotonic() - started < 5


async def test_a_new_channel_reaches_a_server_restarted_on_the_port_an_old_one_gave_up_on(
    replicas,
):
    _, server = replicas[0]
    address = f"127.0.0.1:{server.port}"
    async with open_channel(address, max_attempts=1) as old:
        await list_exercises(old, 1)
        await server.stop(None)
        with pytest.raises(grpc.aio.AioRpcError):
            await list_exercises(old, 1)  # the old channel now backs off from the port
        restarted = await start_server(
            ServerSettings(port=server.port), [scorer_binding(SlowScorer(replica="again"))]
        )
        try:
            async with open_channel(address, max_attempts=1) as new:
                assert await list_exercises(new, 1) == ["again"]
        finally:
            await restarted.stop(None)


def test_a_single_address_is_passed_to_grpc_unchanged():
    assert replica_target("dns:///pose.fitness.svc:50051") == "dns:///pose.fitness.svc:50051"
    assert replica_target(["pose:50051"]) == "pose:50051"


def test_several_addresses_resolve_to_one_ipv4_target():
    assert replica_target("localhost:1, 127.0.0.1:2") == "ipv4:127.0.0.1:1,127.0.0.1:2"


def test_several_ipv6_addresses_resolve_to_one_ipv6_target():
    assert replica_target(["[::1]:1", "[::1]:2"]) == "ipv6:[::1]:1,[::1]:2"


@pytest.mark.parametrize(
    ("addresses", "message"),
    [
        ([], "no replica address"),
        ("", "no replica address"),
        (["127.0.0.1", "127.0.0.1:2"], "is not host:port"),
        (["no-such-host.invalid:1", "127.0.0.1:2"], "does not resolve"),
        (["127.0.0.1:1", "[::1]:2"], "mix IPv4 and IPv6"),
    ],
)
def test_bad_replica_lists_are_refused_with_the_reason(addresses, message):
    with pytest.raises(ValueError, match=message):
        replica_target(addresses)
