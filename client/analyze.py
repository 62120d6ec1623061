"""Uploading a video to the gateway and following its analysis (`fitness analyze`)."""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

from common.channels import open_channel
from common.fitness.v1 import gateway_pb2, gateway_pb2_grpc

CHUNK_BYTES = 1024 * 1024
Event = gateway_pb2.AnalyzeVideoResponse
E = TypeVar("E", gateway_pb2.AnalyzeVideoResponse, gateway_pb2.LiveSessionResponse)


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
) -> gateway_pb2.Report:
    """Analyses one video; every event goes to `on_event`; returns the report.

    Raises:
        grpc.aio.AioRpcError: The gateway (or a service behind it) refused or failed.
    """
    requests = upload_requests(video, exercise_hint, options or gateway_pb2.AnalysisOptions())
    async with open_channel(gateway, max_attempts=1) as channel:
        stub = gateway_pb2_grpc.GatewayStub(channel)
        events = stub.AnalyzeVideo(requests, timeout=timeout_seconds)
        return await report_of(events, on_event, "analysis")


async def report_of(
    events: AsyncIterable[E], on_event: Callable[[E], None] | None, what: str
) -> gateway_pb2.Report:
    """Passes every event of a call to `on_event`; returns the report, its last event."""
    report = None
    async for event in events:
        if on_event:
            on_event(event)
        if event.WhichOneof("event") == "report":
            report = event.report
    if report is None:
        raise RuntimeError(f"the gateway ended the {what} without a report")
    return report
