"""Live sessions from the client's side (`fitness live`): a webcam, or a video file replayed at
its own frame rate, streamed to the gateway's `LiveSession`, with an overlay of what comes back.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import grpc
import numpy as np

from client.analyze import report_of
from client.visuals import label, score_color
from common.channels import open_channel
from common.drawing import draw_skeleton
from common.fitness.v1 import common_pb2, gateway_pb2, gateway_pb2_grpc
from common.images import encode_image
from common.video import VideoFrame, VideoReader

Event = gateway_pb2.LiveSessionResponse
CAMERA_INDEX_FPS = 30.0


class CameraError(RuntimeError):
    """The camera could not be opened or stopped giving frames."""


async def video_frames(path: Path, *, realtime: bool) -> AsyncIterator[VideoFrame]:
    """The frames of a video file, each at its own time from now when `realtime` (as a
    camera would give them), else as fast as they are taken."""
    with VideoReader(path) as reader:
        frames = iter(reader)
        began = time.monotonic()
        while (frame := await asyncio.to_thread(next, frames, None)) is not None:
            if realtime:
                await asyncio.sleep(max(0.0, began + frame.timestamp - time.monotonic()))
            yield frame


async def camera_frames(camera: int) -> AsyncIterator[VideoFrame]:
    """Frames of camera `camera` (an OpenCV device number) until it stops, numbered by their
    time at `CAMERA_INDEX_FPS` a second (cameras do not keep the rate they report)."""
    capture = await asyncio.to_thread(cv2.VideoCapture, camera)
    if not capture.isOpened():
        raise CameraError(f"camera {camera} could not be opened: check `--camera` and permissions")
    try:
        began, last_index = time.monotonic(), -1
        while True:
            ok, bgr = await asyncio.to_thread(capture.read)
            if not ok:
                return
            seconds = time.monotonic() - began
            last_index = max(last_index + 1, round(seconds * CAMERA_INDEX_FPS))
            rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            yield VideoFrame(index=last_index, timestamp=seconds, image=rgb)
    finally:
        capture.release()


async def live_requests(
    start: gateway_pb2.LiveStart,
    frames: AsyncIterator[VideoFrame],
    on_frame: Callable[[VideoFrame], None] | None = None,
    posed: asyncio.Event | None = None,
) -> AsyncIterator[gateway_pb2.LiveSessionRequest]:
    """`start`, then each frame as a JPEG as soon as it comes; `on_frame` sees each frame
    just before it is sent. With `posed`, each frame after the first waits until `posed` is
    set (by the pose of the one before), so no frame is dropped."""
    yield gateway_pb2.LiveSessionRequest(start=start)
    async for frame in frames:
        image = await asyncio.to_thread(encode_image, frame.image)
        if on_frame is not None:
            on_frame(frame)
        message = common_pb2.Frame(
            image=image, index=frame.index, timestamp_seconds=frame.timestamp
        )
        yield gateway_pb2.LiveSessionRequest(frame=message)
        if posed is not None:
            await posed.wait()
            posed.clear()


async def live_session(
    gateway: str,
    start: gateway_pb2.LiveStart,
    frames: AsyncIterator[VideoFrame],
    *,
    on_frame: Callable[[VideoFrame], None] | None = None,
    on_event: Callable[[Event], None] | None = None,
    credentials: grpc.ChannelCredentials | None = None,
    lockstep: bool = False,
) -> gateway_pb2.Report:
    """Streams `frames` through a live session; every event goes to `on_event`; returns the
    session report once the frames end. `credentials`: TLS and a token; None: plaintext.
    `lockstep`: send each frame once the one before is posed, so that every frame is coached
    (a file replayed as fast as the pose service goes), where a camera's frames that come
    faster than they are posed are dropped.

    Raises:
        grpc.aio.AioRpcError: The gateway (or a service behind it) refused or failed.
    """
    posed = asyncio.Event() if lockstep else None

    def on_response(event: Event) -> None:
        if posed is not None and event.WhichOneof("event") == "frame":
            posed.set()
        if on_event is not None:
            on_event(event)

    requests = live_requests(start, frames, on_frame, posed)
    async with open_channel(gateway, max_attempts=1, credentials=credentials) as channel:
        call = gateway_pb2_grpc.GatewayStub(channel).LiveSession()
        return await report_of(call, requests, on_response, "session")


@dataclass
class LiveOverlay:
    """What the session has said so far, drawn over the camera's frames: the latest pose
    coloured by running score, the exercise, the rep count, the last rep's cue, the latest
    warning and the latency."""

    exercise: str = ""
    reps: int = 0
    cue: str = ""
    warning: str = ""
    latency: float = 0.0
    dropped: int = 0
    keypoints: np.ndarray | None = None
    colors: np.ndarray = field(default_factory=lambda: np.full((17, 3), 235, np.uint8))

    def update(self, event: Event) -> None:
        """Takes in one event of the session."""
        kind = event.WhichOneof("event")
        if kind == "frame":
            pose = event.frame.pose.pose
            self.keypoints = np.array([(k.x, k.y, k.score) for k in pose.keypoints], np.float32)
            self.latency, self.dropped = event.frame.latency_seconds, event.frame.dropped_frames
        elif kind == "frame_scores" and event.frame_scores.frames:
            for joint in event.frame_scores.frames[-1].joints:
                self.colors[joint.joint - 1] = score_color(joint.running_score)
        elif kind == "exercise":
            self.exercise = event.exercise.exercise_id
        elif kind == "rep":
            self.reps = event.rep.count
            cues = event.rep.rep.scores.cues
            self.cue = cues[0] if cues else f"rep {self.reps}: {event.rep.rep.scores.overall:.0f}"
        elif kind == "warning":
            self.warning = event.warning.message

    def draw(self, image: np.ndarray) -> np.ndarray:
        """Draws the overlay on an RGB image, in place; returns it."""
        if self.keypoints is not None:
            draw_skeleton(image, self.keypoints, joint_colors=self.colors)
        head = f"{self.exercise or 'recognising...'}  reps {self.reps}"
        line = label(image, f"{head}  {self.latency * 1000:.0f} ms, {self.dropped} dropped")
        for text in (self.cue, self.warning):
            if text:
                line = label(image, text, line=line)
        return image


def display_available() -> bool:
    """Whether an OpenCV window can open here (a desktop, not a headless server)."""
    return sys.platform in ("darwin", "win32") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )


async def shown(
    frames: AsyncIterator[VideoFrame], overlay: LiveOverlay, title: str = "fitness live"
) -> AsyncIterator[VideoFrame]:
    """Passes `frames` on while showing each with the overlay in a window; `q` or Escape in
    the window ends the stream."""
    try:
        async for frame in frames:
            yield frame
            bgr = cv2.cvtColor(overlay.draw(frame.image.copy()), cv2.COLOR_RGB2BGR)
            cv2.imshow(title, bgr)
            if cv2.waitKey(1) & 0xFF in (ord("q"), 27):
                return
    finally:
        cv2.destroyAllWindows()
