"""A client stream kept for a replay: a second stream sends everything the first sent, then
goes on with the batches still to come; nothing is lost when a stream is cut mid-request."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from gateway.replay import ReplayableRequests, replica_lost


async def as_request(batch: list[int]) -> str:
    await asyncio.sleep(0)
    return ",".join(map(str, batch))


async def take(stream, count: int) -> list[str]:
    return [await anext(stream) for _ in range(count)]


async def test_a_replay_sends_what_was_sent_then_the_rest():
    queue: asyncio.Queue = asyncio.Queue()
    for batch in ([1, 2], [], [3], [4, 5]):
        queue.put_nowait(batch)
    requests = ReplayableRequests(queue, as_request)
    first = requests.stream()
    assert await take(first, 2) == ["1,2", "3"]
    await first.aclose()  # the replica was lost

    queue.put_nowait(None)
    replay = [request async for request in requests.stream()]
    assert replay == ["1,2", "3", "4,5"]
    assert requests.streams == 2


async def test_a_stream_cut_while_making_a_request_loses_no_batch():
    queue: asyncio.Queue = asyncio.Queue()
    converting = asyncio.Event()

    async def slow_the_first_time(batch: list[int]) -> str:
        if not converting.is_set():
            converting.set()
            await asyncio.sleep(10)
        return await as_request(batch)

    requests = ReplayableRequests(queue, slow_the_first_time)
    queue.put_nowait([7])
    cut = asyncio.create_task(anext(requests.stream()))
    await converting.wait()
    cut.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cut

    queue.put_nowait(None)
    assert [request async for request in requests.stream()] == ["7"]


async def test_an_ended_stream_replays_without_waiting_for_more():
    queue: asyncio.Queue = asyncio.Queue()
    for batch in ([1], None):
        queue.put_nowait(batch)
    requests = ReplayableRequests(queue, as_request)
    assert [request async for request in requests.stream()] == ["1"]
    replay = [request async for request in requests.stream()]
    assert replay == ["1"]


def test_only_unavailable_means_another_replica_may_answer():
    def error(code: grpc.StatusCode) -> grpc.aio.AioRpcError:
        return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata(), "x")

    assert replica_lost(error(grpc.StatusCode.UNAVAILABLE))
    assert not replica_lost(error(grpc.StatusCode.INVALID_ARGUMENT))
    assert not replica_lost(RuntimeError("not a call"))
