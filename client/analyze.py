"""Uploading a video to the gateway and following its analysis (`fitness analyze`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator
from pathlib import Path
from typing import TypeVar

import grpc

from common.channels import open_channel
from common.fitness.v1 import gateway_pb2, gateway_pb2_grpc
from common.interceptors import CALL_ACCEPTED

CHUNK_BYTES = 1024 * 1024
Event = gateway_pb2.AnalyzeVideoResponse
E = TypeVar("E", gateway_pb2.AnalyzeVideoResponse, gateway_pb2.LiveSessionResponse)
T = TypeVar("T")


def upload_requests(
    video: Path, exercise_hint: str, options: gateway_pb2.AnalysisOptions
) -> Iterator[gateway_pb2.AnalyzeVideoRequest]:
    """The metadata, then the file in 1 MiB chunks, read as they are sent."""
    metadata = gateway_pb2.VideoMetadata(
        file_name=video.name,
        size_bytes=video.stat().st_size,
        exercise_hint=exercise_hint,
        options=options,
    )
    yield gateway_pb2.AnalyzeVideoRequest(metadata=metadata)
    with video.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            yield gateway_pb2.AnalyzeVideoRequest(chunk=chunk)


async def analyze_video(
    video: Path,
    gateway: str,
    *,
    exercise_hint: str = "",
    options: gateway_pb2.AnalysisOptions | None = None,
    on_event: Callable[[Event], None] | None = None,
    timeout_seconds: float = 1800.0,
    credentials: grpc.ChannelCredentials | None = None,
) -> gateway_pb2.Report:
    """Analyses one video; every event goes to `on_event`; returns the report. `credentials`
    (TLS, a token) as `common.security.ClientSecurity` makes them; None: plaintext.

    Raises:
        grpc.aio.AioRpcError: The gateway (or a service behind it) refused or failed.
    """
    requests = upload_requests(video, exercise_hint, options or gateway_pb2.AnalysisOptions())
    async with open_channel(gateway, max_attempts=1, credentials=credentials) as channel:
        call = gateway_pb2_grpc.GatewayStub(channel).AnalyzeVideo(timeout=timeout_seconds)
        return await report_of(call, _aiter(requests), on_event, "analysis")


async def _aiter(items: Iterable[T]) -> AsyncIterator[T]:
    for item in items:
        yield item


async def _send_when_accepted(call: grpc.aio.StreamStreamCall, requests: AsyncIterable) -> None:
    """Waits until the gateway has accepted the call (its initial metadata carries
    `CALL_ACCEPTED`: the caller is let in and a slot is free), then writes `requests` and
    half-closes. A refusal, or a call that ends meanwhile, stops the writing: its status is the
    reader's to report (a write into an ended call would hide it, gRPC reporting INTERNAL)."""
    try:
        if CALL_ACCEPTED not in tuple(await call.initial_metadata() or ()):
            return
        async for request in requests:
            if call.done():
                return
            await call.write(request)
        if not call.done():
            await call.done_writing()
    except (grpc.aio.AioRpcError, asyncio.InvalidStateError):
        return  # the call ended while writing
    except BaseException:
        call.cancel()
        raise


async def report_of(
    call: grpc.aio.StreamStreamCall,
    requests: AsyncIterable,
    on_event: Callable[[E], None] | None,
    what: str,
) -> gateway_pb2.Report:
    """Sends `requests` on `call` (`_send_when_accepted`) while passing every event to
    `on_event`; returns the report, the last event.

    Raises:
        grpc.aio.AioRpcError: The call failed.
        Exception: Whatever made `requests` fail (a camera that stopped), the call cancelled.
    """
    writer = asyncio.create_task(_send_when_accepted(call, requests))
    report = None
    try:
        async for event in call:
            if on_event:
                on_event(event)
            if event.WhichOneof("event") == "report":
                report = event.report
    except (grpc.aio.AioRpcError, asyncio.CancelledError):
        failure = writer.exception() if writer.done() and not writer.cancelled() else None
        if failure is not None:
            raise failure from None
        raise
    finally:
        writer.cancel()
    if report is None:
        raise RuntimeError(f"the gateway ended the {what} without a report")
    return report
