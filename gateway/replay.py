"""Client streams that survive the loss of a replica.

gRPC retries a call on another replica only until its first response; a stream whose replica
dies later fails with UNAVAILABLE. `ReplayableRequests` keeps every request of such a stream
so that the caller can open the call again (the channel's round-robin then picks a live
replica) and send it whole: a service that keeps state along a stream (the pose tracker)
rebuilds the same state, and the caller skips the answers it already has.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Generic, TypeVar

import grpc

Batch = TypeVar("Batch")
Request = TypeVar("Request")

# Pauses before each replay of a stream whose replica was lost (their count is how many
# replays before the failure is the caller's): the channel needs a moment to mark the lost
# replica down and reach another.
REPLAY_PAUSES_SECONDS = (0.2, 1.0, 3.0)


def replica_lost(error: BaseException) -> bool:
    """Whether a failed call may succeed on another replica."""
    return isinstance(error, grpc.aio.AioRpcError) and error.code() == grpc.StatusCode.UNAVAILABLE


class ReplayableRequests(Generic[Batch, Request]):
    """The requests of one client stream, made from batches taken off `queue` (None ends the
    stream; an empty batch is skipped) and kept for a replay.

    Each `stream()` yields the requests made so far, then goes on taking batches. A batch
    taken off the queue is made into its request before anything else, so a stream cancelled
    while converting it loses nothing: the next stream converts it again.
    """

    def __init__(
        self,
        queue: asyncio.Queue[Batch | None],
        to_request: Callable[[Batch], Awaitable[Request]],
    ) -> None:
        self._queue = queue
        self._to_request = to_request
        self._sent: list[Request] = []
        self._taken: Batch | None = None  # off the queue, not yet a request
        self._ended = False
        self.streams = 0

    async def stream(self) -> AsyncIterator[Request]:
        """Every request so far, then the rest as batches arrive."""
        self.streams += 1
        for request in list(self._sent):
            yield request
        while not self._ended:
            if self._taken is None:
                batch = await self._queue.get()
                if batch is None:
                    self._ended = True
                    return
                self._taken = batch
            if self._taken:
                request = await self._to_request(self._taken)
                self._sent.append(request)
                self._taken = None
                yield request
            else:
                self._taken = None
