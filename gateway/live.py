"""One live session: a camera's frames in at its own pace, coaching events out as they happen.

Three tasks share a session:

- `_receive` reads the client's frames and checks them. Only the newest frame waits to be
  posed: a frame that arrives while another still waits replaces it, and the replaced one is
  counted as dropped. Frames never queue in the gateway, so a pose service slower than the
  camera costs frames, not latency or memory.
- `_pose` takes the waiting frame, checks its size (shrinking it to `decode_side` where it is
  larger), sends it on the session's one pose stream (the pose service tracks the person from
  frame to frame) and emits its pose with its latency, from the frame's arrival to the event.
- `_follow` reads the growing pose sequence, one pass at a time, at most every
  `live_pass_seconds`. Until the exercise is known, it asks the keypoint classifier about the
  last `WINDOW_SECONDS` of poses about once a second. Once it is known, it scores everything
  posed so far as an ongoing performance (`ScoreRequest.ongoing`), emits the new frames' scores
  and every rep the scoring service finds ended, each once. It also emits the capture warnings
  of the last `WINDOW_SECONDS`, each kind once. A slow scorer means fewer passes, not a queue.

When the client closes its side, the waiting frame is posed, and the session ends as an upload
does. If the exercise is still unknown, the whole sequence is recognised. Then the complete
performance is scored, any rep not yet announced is announced, and the report comes last,
with the session's frame counts and latencies.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import numpy as np

from action_service.sequences import SEQUENCE_FPS
from common.errors import InvalidInputError, LimitExceededError
from common.fitness.v1 import action_pb2, common_pb2, gateway_pb2, pose_pb2, scoring_pb2
from common.images import decode_image, encode_image
from common.interceptors import ANALYSIS_ID_METADATA_KEY
from gateway.analysis import (
    ACTION_MAX_FRAMES,
    Backends,
    backend_call,
    check_scorable,
    drained,
    final_report,
    first_error,
    scaled_pose,
    shrunk,
)
from gateway.capture import capture_warnings
from gateway.fusion import Fusion
from gateway.recognition import EVERY_CLASS, verdict
from gateway.reps import report_reps
from gateway.settings import GatewaySettings

WINDOW_SECONDS = 4.0  # recent poses the recogniser and the capture checks read
RECOGNIZE_EVERY_SECONDS = 1.0
DEFAULT_FPS = 30.0

Event = gateway_pb2.LiveSessionResponse
RECOGNIZED = gateway_pb2.ExerciseRecognized.Verdict.VERDICT_RECOGNIZED


@dataclass
class _Waiting:
    """The newest frame not yet posed, and when it arrived."""

    frame: common_pb2.Frame
    arrived: float


@dataclass
class LiveSession:
    """One camera stream through the services; `run()` yields its events."""

    backends: Backends
    settings: GatewaySettings
    fusion: Fusion
    session_id: str
    start: gateway_pb2.LiveStart = field(default_factory=gateway_pb2.LiveStart)
    opened: float = field(default_factory=time.monotonic)
    events: asyncio.Queue[Event] = field(default_factory=asyncio.Queue)
    exercise: gateway_pb2.ExerciseRecognized | None = None
    poses: list[common_pb2.FramePose] = field(default_factory=list)
    timestamps: list[float] = field(default_factory=list)  # of `poses`, seconds
    latencies: list[float] = field(default_factory=list)  # of `poses`, seconds
    received: int = 0
    dropped: int = 0
    size: tuple[int, int] | None = None  # (width, height) of the client's frames
    _waiting: _Waiting | None = None
    _frame_ready: asyncio.Event = field(default_factory=asyncio.Event)
    _posed: asyncio.Event = field(default_factory=asyncio.Event)
    _closed: bool = False  # the client closed its side
    _posing_done: bool = False
    _last_index: int = -1
    _first_timestamp: float | None = None
    _announced_reps: int = 0
    _scored_frames: int = 0
    _warned: set[int] = field(default_factory=set)
    _recognised_at: float = float("-inf")  # poses' time of the last recognition try

    @property
    def fps(self) -> float:
        return self.start.fps or DEFAULT_FPS

    def _call_options(self, timeout: float | None = None) -> dict:
        return {
            "timeout": timeout or self.settings.backend_timeout_seconds,
            "metadata": ((ANALYSIS_ID_METADATA_KEY, self.session_id),),
        }

    def _emit(self, **event) -> None:
        self.events.put_nowait(Event(**event))

    async def run(
        self, requests: AsyncIterator[gateway_pb2.LiveSessionRequest]
    ) -> AsyncIterator[Event]:
        """Reads the `LiveStart`, then yields started, and every event until the report."""
        first = await anext(aiter(requests), None)
        if first is None or first.WhichOneof("payload") != "start":
            raise InvalidInputError("the first message of a live session must carry `start`")
        self.start = first.start
        if self.start.fps < 0:
            raise InvalidInputError(f"fps must be 0 or positive, got {self.start.fps}")
        if self.start.exercise_hint:
            self.exercise = await check_scorable(
                self.backends.scoring, self.start.exercise_hint, self._call_options()
            )
        yield Event(started=gateway_pb2.LiveStarted(session_id=self.session_id))
        if self.exercise is not None:
            yield Event(exercise=self.exercise)
        async for event in drained(self._work(requests), self.events):
            yield event

    async def _work(self, requests: AsyncIterator[gateway_pb2.LiveSessionRequest]) -> None:
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self._receive(requests))
                group.create_task(self._pose())
                group.create_task(self._follow())
        except ExceptionGroup as group_error:
            raise first_error(group_error) from None
        await self._finish()

    async def _receive(self, requests: AsyncIterator[gateway_pb2.LiveSessionRequest]) -> None:
        async for request in requests:
            if request.WhichOneof("payload") != "frame":
                raise InvalidInputError(
                    f"message {self.received + 2} of the session carries no frame: only the "
                    "first message carries `start`"
                )
            frame = request.frame
            self._check(frame)
            if self._waiting is not None:
                self.dropped += 1
            self._waiting = _Waiting(frame, time.monotonic())
            self._frame_ready.set()
        self._closed = True
        self._frame_ready.set()

    def _check(self, frame: common_pb2.Frame) -> None:
        """Refuses a frame without an image, out of order, or past the session's limits."""
        if not frame.image.data:
            raise InvalidInputError(f"frame {frame.index} has no image")
        if frame.index <= self._last_index:
            raise InvalidInputError(
                f"frame indices must increase: frame {frame.index} came after "
                f"frame {self._last_index}"
            )
        self._last_index = frame.index
        self.received += 1
        if self.received > self.settings.max_frames:
            raise LimitExceededError(
                f"the session passed {self.settings.max_frames} frames, the limit: start a new one"
            )
        if self._first_timestamp is None:
            self._first_timestamp = frame.timestamp_seconds
        if frame.timestamp_seconds - self._first_timestamp > self.settings.max_duration_seconds:
            raise LimitExceededError(
                f"the session passed {self.settings.max_duration_seconds:.0f} s, the limit: "
                "start a new one"
            )

    def _prepared(self, frame: common_pb2.Frame) -> tuple[common_pb2.Frame, float]:
        """The frame checked for size, and shrunk to `decode_side` (re-encoded) where it is
        larger, with the scale from its pixels back to the client's."""
        try:
            pixels = decode_image(frame.image)
        except InvalidInputError as error:
            raise InvalidInputError(f"frame {frame.index}: {error}") from None
        height, width = pixels.shape[:2]
        if self.size is None:
            self.size = (width, height)
        elif self.size != (width, height):
            raise InvalidInputError(
                f"frame {frame.index} is {width}x{height}; the session's frames are "
                f"{self.size[0]}x{self.size[1]}"
            )
        if max(width, height) <= self.settings.decode_side:
            return frame, 1.0
        pixels = shrunk(pixels, self.settings.decode_side / max(width, height))
        prepared = common_pb2.Frame(
            image=encode_image(pixels), index=frame.index, timestamp_seconds=frame.timestamp_seconds
        )
        return prepared, width / pixels.shape[1]

    async def _next_frame(self) -> _Waiting | None:
        """The newest frame not yet posed, once there is one; None once the client closed
        its side and every frame was taken."""
        while (waiting := self._waiting) is None:
            if self._closed:
                return None
            self._frame_ready.clear()
            await self._frame_ready.wait()
        self._waiting = None
        return waiting

    async def _pose(self) -> None:
        lasting = self.settings.max_duration_seconds + self.settings.backend_timeout_seconds
        call = self.backends.pose.EstimatePoses(**self._call_options(lasting))
        try:
            while (waiting := await self._next_frame()) is not None:
                frame, scale = await asyncio.to_thread(self._prepared, waiting.frame)
                request = pose_pb2.EstimatePosesRequest(frames=[frame])
                await backend_call("pose", call.write(request))
                response = await backend_call("pose", call.read())
                [pose] = response.poses
                scaled_pose(pose, scale, scale)
                latency = time.monotonic() - waiting.arrived
                self.poses.append(pose)
                self.timestamps.append(frame.timestamp_seconds)
                self.latencies.append(latency)
                self._emit(
                    frame=gateway_pb2.LiveFrame(
                        pose=pose, dropped_frames=self.dropped, latency_seconds=latency
                    )
                )
                self._posed.set()
            await backend_call("pose", call.done_writing())
        finally:
            call.cancel()
            self._posing_done = True
            self._posed.set()

    async def _follow(self) -> None:
        while True:
            await self._posed.wait()
            self._posed.clear()
            if self._posing_done:
                return
            began = time.monotonic()
            await self._pass()
            pause = self.settings.live_pass_seconds - (time.monotonic() - began)
            await asyncio.sleep(max(0.0, pause))

    async def _pass(self) -> None:
        """Recognises (until known), scores and checks the capture, on the poses so far."""
        now = self.timestamps[-1]
        if self.exercise is None and now - self._recognised_at >= RECOGNIZE_EVERY_SECONDS:
            await self._try_recognise()
        view = common_pb2.VIEW_UNSPECIFIED
        if self.exercise is not None:
            scores = await self._score(ongoing=True)
            fresh = scores.frames[self._scored_frames :]
            if fresh:
                self._scored_frames = len(scores.frames)
                self._emit(frame_scores=gateway_pb2.FrameScores(frames=fresh))
            self._announce(scores)
            view = scores.preferred_view
        if self._spans_window():
            window = self.poses[self._window_start() :]
            for warning in capture_warnings(window, *self.size, preferred_view=view):
                if warning.kind not in self._warned:
                    self._warned.add(warning.kind)
                    self._emit(warning=warning)

    def _spans_window(self) -> bool:
        return self.timestamps[-1] - self.timestamps[0] >= WINDOW_SECONDS

    def _window_start(self) -> int:
        """Where the poses of the last `WINDOW_SECONDS` start."""
        since = self.timestamps[-1] - WINDOW_SECONDS
        return int(np.searchsorted(np.asarray(self.timestamps), since))

    async def _try_recognise(self) -> None:
        """Asks the keypoint classifier about the recent poses once they span the window; sets
        and emits the exercise when it is recognised."""
        self._recognised_at = self.timestamps[-1]
        if not self._spans_window():
            return
        found = await self._recognise(self._window_start())
        if found.verdict == RECOGNIZED:
            self.exercise = found
            self._emit(exercise=found)

    async def _recognise(self, first: int) -> gateway_pb2.ExerciseRecognized:
        """The keypoint classifier's verdict on the poses from `first` on, sent at about
        `SEQUENCE_FPS` (as an upload's are)."""
        poses, span = self.poses[first:], self.timestamps[-1] - self.timestamps[first]
        rate = (len(poses) - 1) / span if span > 0 else SEQUENCE_FPS
        step = max(1, round(rate / SEQUENCE_FPS))
        request = action_pb2.RecognizeKeypointsRequest(
            poses=poses[::step][-ACTION_MAX_FRAMES:], fps=self.fps, top_k=EVERY_CLASS
        )
        answer = await backend_call(
            "action", self.backends.action.RecognizeKeypoints(request, **self._call_options())
        )
        return verdict(self.fusion, "keypoints", None, answer)

    async def _score(self, *, ongoing: bool) -> scoring_pb2.ScoreResponse:
        assert self.exercise is not None
        assert self.size is not None
        request = scoring_pb2.ScoreRequest(
            exercise_id=self.exercise.exercise_id,
            poses=self.poses,
            frame_width=self.size[0],
            frame_height=self.size[1],
            scorer=self.start.scorer,
            fps=self.fps,
            ongoing=ongoing,
        )
        return await backend_call(
            "scoring", self.backends.scoring.Score(request, **self._call_options())
        )

    def _announce(self, scores: scoring_pb2.ScoreResponse) -> None:
        """Emits the reps of `scores` not announced yet."""
        for rep in report_reps(scores)[self._announced_reps :]:
            self._announced_reps += 1
            self._emit(rep=gateway_pb2.LiveRep(count=self._announced_reps, rep=rep))

    async def _finish(self) -> None:
        if not self.poses:
            raise InvalidInputError("the session ended before any frame was posed")
        if self.exercise is None:
            self.exercise = await self._recognise(0)
            self._emit(exercise=self.exercise)
        scores = None
        if self.exercise.verdict == RECOGNIZED:
            scores = await self._score(ongoing=False)
            self._announce(scores)
        report = gateway_pb2.Report(
            analysis_id=self.session_id,
            file_name=self.start.session_name,
            video=common_pb2.VideoInfo(
                width=self.size[0],
                height=self.size[1],
                fps=self.fps,
                frame_count=self.received,
                duration_seconds=self.timestamps[-1] - (self._first_timestamp or 0.0),
                codec="live",
            ),
            elapsed_seconds=time.monotonic() - self.opened,
            live=self._stats(),
        )
        self._emit(report=final_report(report, self.exercise, self.poses, scores))

    def _stats(self) -> gateway_pb2.LiveStats:
        latencies = np.asarray(self.latencies)
        span = self.timestamps[-1] - self.timestamps[0]
        return gateway_pb2.LiveStats(
            frames_received=self.received,
            frames_posed=len(self.poses),
            frames_dropped=self.dropped,
            latency_p50_seconds=float(np.percentile(latencies, 50)),
            latency_p95_seconds=float(np.percentile(latencies, 95)),
            posed_fps=(len(self.poses) - 1) / span if span > 0 else 0.0,
        )
