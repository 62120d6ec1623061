"""Live sessions: frames posed per second and per-frame latency when a camera streams through
the gateway's `LiveSession` at 15, 30 and 60 frames a second.

The whole system runs as `fitness serve all` runs it (TorchServe with the shipped compact
models, four services as separate processes on loopback). A 3-rep squat clip is encoded to
JPEG beforehand (a phone encodes its own frames) and sent at each camera rate, paced by the
clock; the session report gives frames posed, dropped and the latency percentiles, and each
rep event's delay after the rep's last frame was sent is measured here.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

from bench.gateway_throughput import loopback_config
from client.stack import LocalStack, build_archives
from common.channels import open_channel
from common.fitness.v1 import common_pb2, gateway_pb2, gateway_pb2_grpc
from common.images import encode_image
from common.video import VideoReader
from synth.dataset import render_clip

MODELS = Path("models")
EXERCISE = "BodyWeightSquats"
CAMERA_FPS = (15.0, 30.0, 60.0)
SIZE = (480, 360)


async def stream(
    address: str, images: list[common_pb2.Image], fps: float
) -> tuple[gateway_pb2.Report, list[float]]:
    """Sends `images` at `fps`; the report and each rep event's delay in seconds."""
    sent: dict[int, float] = {}

    async def requests() -> AsyncIterator[gateway_pb2.LiveSessionRequest]:
        yield gateway_pb2.LiveSessionRequest(
            start=gateway_pb2.LiveStart(exercise_hint=EXERCISE, fps=fps)
        )
        began = time.monotonic()
        for index, image in enumerate(images):
            await asyncio.sleep(max(0.0, began + index / fps - time.monotonic()))
            sent[index] = time.monotonic()
            frame = common_pb2.Frame(image=image, index=index, timestamp_seconds=index / fps)
            yield gateway_pb2.LiveSessionRequest(frame=frame)

    delays, report = [], None
    async with open_channel(address, max_attempts=1) as channel:
        async for event in gateway_pb2_grpc.GatewayStub(channel).LiveSession(requests()):
            kind = event.WhichOneof("event")
            if kind == "rep":
                delays.append(time.monotonic() - sent[event.rep.rep.end_frame_index])
            elif kind == "report":
                report = event.report
    assert report is not None
    return report, delays


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        clip = folder / "squats.mp4"
        render_clip(EXERCISE, clip, seed=3, reps=3, size=SIZE, fps=30.0)
        with VideoReader(clip) as reader:
            images = [encode_image(frame.image) for frame in reader]
        store = folder / "model-store"
        build_archives(MODELS, store)
        rows = []
        with LocalStack(loopback_config(store, folder / "run", [])) as stack:
            address = stack.address(stack.config.gateway_port)
            asyncio.run(stream(address, images[:30], 30.0))  # warm-up
            for fps in CAMERA_FPS:
                rows.append((fps, *asyncio.run(stream(address, images, fps))))
        print(f"Live sessions through the gateway ({SIZE[0]}x{SIZE[1]} JPEG frames of a 3-rep")
        print("squat set sent at the camera's rate; TorchServe with the compact models and the")
        print("four services on this machine's CPU)")
        print("| camera fps | frames | posed | posed fps | posed / camera | dropped "
              "| latency p50 ms | p95 ms | rep events | worst rep delay s |")  # fmt: skip
        print("|---|---|---|---|---|---|---|---|---|---|")
        for fps, report, delays in rows:
            live = report.live
            print(
                f"| {fps:.0f} | {live.frames_received} | {live.frames_posed} "
                f"| {live.posed_fps:.1f} | {live.posed_fps / fps:.2f} "
                f"| {live.frames_dropped / live.frames_received:.0%} "
                f"| {live.latency_p50_seconds * 1000:.0f} | {live.latency_p95_seconds * 1000:.0f} "
                f"| {len(delays)} | {max(delays, default=float('nan')):.2f} |"
            )


if __name__ == "__main__":
    main()
