"""One analysis: decode the video once, pose and recognise in parallel, score, report.

Glossary of shapes:
    - frame number: F (frames sampled for pose)
    - keypoint number: K (17)

The decoder reads the spooled upload once, downscaled to `decode_side`, and hands two
samplings of the same frames to two concurrent calls: every k-th frame (about `sample_fps` a
second) to the pose service's stream, and frames at about 25 a second (shrunk to a 128-pixel
short side; the 3D ResNet crops 112) to the action service's stream, at most the first
`ACTION_MAX_FRAMES`. Bounded queues between them give back-pressure: decoding waits for the
slower consumer instead of filling memory. An exercise hint skips recognition; the scoring
service is asked first whether it can score that exercise, before any model runs.

Without a hint, the exercise is decided once every frame is posed: the keypoint classifier
reads the whole pose sequence, and its answer is fused with the 3D ResNet's (`gateway.fusion`;
either recogniser alone when the request or `--recognizer` says so). When the verdict is none
of the exercises, or uncertain, the report says so and nothing is scored.

Poses come back in decoded pixels and are scaled to the video's upright size. Once the
exercise is known, every pose response is scored with everything posed so far and the new
frames' scores streamed (when asked); the final score of the whole sequence is the report's,
with the reps the scoring service found and scored (`gateway.reps`).
Any backend failure ends the analysis with the backend's status code and a message that names
the backend; the other calls are cancelled.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

import cv2
import grpc
import numpy as np

from action_service.clips import frame_step
from action_service.sequences import SEQUENCE_FPS
from common.errors import (
    DeadlineError,
    FitnessError,
    InvalidInputError,
    LimitExceededError,
    NotFoundError,
    NotReadyError,
    error_for_status,
)
from common.fitness.v1 import (
    action_pb2,
    action_pb2_grpc,
    common_pb2,
    gateway_pb2,
    pose_pb2,
    pose_pb2_grpc,
    scoring_pb2,
    scoring_pb2_grpc,
)
from common.images import encode_image
from common.interceptors import ANALYSIS_ID_METADATA_KEY
from common.metrics import FRAMES_DECODED
from common.video import VideoFrame, VideoInfo, VideoReader
from gateway.capture import capture_warnings
from gateway.feedback import feedback
from gateway.fusion import Fusion
from gateway.recognition import EVERY_CLASS, recognizer_name, verdict
from gateway.replay import REPLAY_PAUSES_SECONDS, ReplayableRequests, replica_lost
from gateway.reps import report_reps
from gateway.settings import GatewaySettings
from gateway.upload import Upload

logger = logging.getLogger(__name__)

ACTION_MAX_FRAMES = 900  # the action service's default `max_frames`
ACTION_SHORT_SIDE = 128
DECODE_BATCH = 16

Stage = gateway_pb2.Progress.Stage
T = TypeVar("T")
E = TypeVar("E")  # an event of a call


@dataclass
class Backends:
    """Stubs of the three services (each over a channel to all its replicas)."""

    pose: pose_pb2_grpc.PoseEstimatorStub
    action: action_pb2_grpc.ActionRecognizerStub
    scoring: scoring_pb2_grpc.KeypointScorerStub


async def drain(work: asyncio.Task[T], events: asyncio.Queue[E]) -> AsyncIterator[E]:
    """Yields `events` as they come until `work` ends, then the rest; re-raises its error."""
    while True:
        waiter = asyncio.ensure_future(events.get())
        done, _ = await asyncio.wait({waiter, work}, return_when=asyncio.FIRST_COMPLETED)
        if waiter in done:
            yield waiter.result()
            continue
        waiter.cancel()
        break
    while not events.empty():
        yield events.get_nowait()
    work.result()


async def drained(work: Coroutine[None, None, None], events: asyncio.Queue[E]) -> AsyncIterator[E]:
    """Runs `work` as a task and yields `events` until it ends (`drain`); the task is
    cancelled when the caller stops early."""
    task = asyncio.create_task(work)
    try:
        async for event in drain(task, events):
            yield event
    finally:
        task.cancel()


def check_limits(info: VideoInfo, settings: GatewaySettings) -> None:
    """Raises `LimitExceededError` for a video over the gateway's limits."""
    if max(info.width, info.height) > settings.max_side:
        raise LimitExceededError(
            f"the video is {info.width}x{info.height}; the largest side accepted is "
            f"{settings.max_side} pixels"
        )
    if info.duration_seconds > settings.max_duration_seconds:
        raise LimitExceededError(
            f"the video lasts {info.duration_seconds:.0f} s; the limit is "
            f"{settings.max_duration_seconds:.0f} s"
        )
    if info.frame_count > settings.max_frames:
        raise LimitExceededError(
            f"the video has {info.frame_count} frames; the limit is {settings.max_frames}"
        )


def backend_error(service: str, error: grpc.aio.AioRpcError) -> Exception:
    """A backend's failure as ours, with its code and the service's name."""
    return error_for_status(
        error.code(), f"{service} service: {error.details() or error.code().name}"
    )


async def backend_call(service: str, call: Awaitable[T]) -> T:
    """Awaits a backend call; its failure becomes ours (`backend_error`)."""
    try:
        return await call
    except grpc.aio.AioRpcError as error:
        raise backend_error(service, error) from error


async def check_scorable(
    scoring: scoring_pb2_grpc.KeypointScorerStub, exercise_id: str, call_options: dict
) -> gateway_pb2.ExerciseRecognized:
    """The hinted exercise, once the scoring service says it can score it (before any pose
    work); NOT_FOUND or FAILED_PRECONDITION otherwise."""
    listed = await backend_call(
        "scoring", scoring.ListExercises(scoring_pb2.ListExercisesRequest(), **call_options)
    )
    if exercise_id in listed.unavailable:
        raise NotReadyError(f"scoring service: {listed.unavailable[exercise_id]}")
    known = sorted(e.id for e in listed.exercises)
    if exercise_id not in known:
        raise NotFoundError(
            f"scoring service: unknown exercise {exercise_id!r}; known: {', '.join(known)}"
        )
    return gateway_pb2.ExerciseRecognized(
        exercise_id=exercise_id,
        confidence=1.0,
        from_hint=True,
        verdict=gateway_pb2.ExerciseRecognized.Verdict.VERDICT_RECOGNIZED,
    )


def final_report(
    report: gateway_pb2.Report,
    exercise: gateway_pb2.ExerciseRecognized,
    poses: list[common_pb2.FramePose],
    scores: scoring_pb2.ScoreResponse | None,
) -> gateway_pb2.Report:
    """Completes `report` (its id, name, video and timing set) with the exercise, the poses
    and, when the exercise was scored, the scores, reps, feedback and capture warnings."""
    reps = report_reps(scores) if scores is not None else None
    report.exercise.CopyFrom(exercise)
    report.poses.extend(poses)
    if scores is not None:
        report.scores.CopyFrom(scores)
        report.reps.extend(reps)
    report.feedback.extend(feedback(scores) if scores is not None else [exercise.reason])
    view = scores.preferred_view if scores is not None else common_pb2.VIEW_UNSPECIFIED
    report.warnings.extend(
        capture_warnings(poses, report.video.width, report.video.height, reps, view)
    )
    return report


def shrunk(image: np.ndarray, scale: float) -> np.ndarray:
    """The image scaled by `scale` when that makes it smaller, else the image itself."""
    if scale >= 1:
        return image
    height, width = image.shape[:2]
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def _frame_messages(frames: list[VideoFrame], short_side: int | None = None) -> list:
    return [
        common_pb2.Frame(
            image=encode_image(
                shrunk(f.image, short_side / min(f.image.shape[:2])) if short_side else f.image
            ),
            index=f.index,
            timestamp_seconds=f.timestamp,
        )
        for f in frames
    ]


def scaled_pose(pose: common_pb2.FramePose, scale_x: float, scale_y: float) -> None:
    """Moves a pose from decoded pixels to the video's upright pixels, in place."""
    for keypoint in pose.pose.keypoints:
        keypoint.x *= scale_x
        keypoint.y *= scale_y
    box = pose.pose.box
    box.x, box.width = box.x * scale_x, box.width * scale_x
    box.y, box.height = box.y * scale_y, box.height * scale_y


@dataclass
class Analysis:
    """Runs one uploaded video through the services; `run()` yields its events."""

    backends: Backends
    settings: GatewaySettings
    fusion: Fusion
    upload: Upload
    analysis_id: str
    deadline: float | None  # time.monotonic() by which the caller wants the report
    started: float = field(default_factory=time.monotonic)
    events: asyncio.Queue = field(default_factory=asyncio.Queue)
    poses: list[common_pb2.FramePose] = field(default_factory=list)
    exercise: gateway_pb2.ExerciseRecognized | None = None
    video_answer: action_pb2.RecognizeResponse | None = None
    _scored_frames: int = 0
    _decoded_size: tuple[int, int] = (0, 0)  # (width, height) of the decoded frames
    # Every call into the decoder, its closing included, runs on this one thread, in order:
    # a cancelled analysis never closes the decoder under a frame still being decoded.
    _decoder: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="decode")
    )

    async def _in_decoder(self, function: Callable[..., T], *args) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._decoder, function, *args)

    @property
    def options(self) -> gateway_pb2.AnalysisOptions:
        return self.upload.metadata.options

    def _call_options(self) -> dict:
        """Timeout and metadata for a backend call: the caller's deadline passed on."""
        remaining = (
            self.deadline - time.monotonic()
            if self.deadline is not None
            else self.settings.backend_timeout_seconds
        )
        if remaining <= 0:
            raise DeadlineError("the deadline passed before the analysis finished")
        return {
            "timeout": remaining,
            "metadata": ((ANALYSIS_ID_METADATA_KEY, self.analysis_id),),
        }

    def _progress(self, stage: Stage.ValueType, done: int, total: int) -> None:
        progress = gateway_pb2.Progress(stage=stage, done=done, total=total)
        self.events.put_nowait(gateway_pb2.AnalyzeVideoResponse(progress=progress))

    async def run(self) -> AsyncIterator[gateway_pb2.AnalyzeVideoResponse]:
        """Opens the video, then yields accepted, progress, exercise, scores and the report."""
        reader: VideoReader | None = None
        try:
            reader = await self._in_decoder(
                functools.partial(
                    VideoReader,
                    self.upload.path,
                    max_side=self.settings.decode_side,
                    name="the uploaded video",
                )
            )
            check_limits(reader.info, self.settings)
            yield gateway_pb2.AnalyzeVideoResponse(
                accepted=gateway_pb2.Accepted(
                    analysis_id=self.analysis_id, video=reader.info.to_proto()
                )
            )
            async for event in drained(self._analyse(reader), self.events):
                yield event
        finally:
            if reader is not None:
                self._decoder.submit(reader.close)
            self._decoder.shutdown(wait=False)

    async def _analyse(self, reader: VideoReader) -> None:
        info = reader.info
        sample_fps = self.options.sample_fps or self.settings.sample_fps
        pose_step = max(1, round(info.fps / sample_fps))
        action_step = frame_step(info.fps)
        # Sequential orchestration (for comparison) decodes everything before any model runs.
        sequential = self.settings.orchestration == "sequential"
        bound = 0 if sequential else 4
        pose_queue: asyncio.Queue[list[VideoFrame] | None] = asyncio.Queue(maxsize=bound)
        action_queue: asyncio.Queue[list[VideoFrame] | None] = asyncio.Queue(maxsize=bound)
        hint = self.upload.metadata.exercise_hint
        recognizer = recognizer_name(self.options.recognizer, self.settings.recognizer)
        if hint:
            self._set_exercise(
                await check_scorable(self.backends.scoring, hint, self._call_options())
            )
        watch_video = not hint and recognizer != "keypoints"
        stages = [
            self._decode(
                reader, pose_step, action_step, pose_queue, action_queue if watch_video else None
            ),
            self._estimate_poses(pose_queue, info, -(-info.frame_count // pose_step)),
        ]
        if watch_video:
            stages.append(self._recognise(action_queue, info.fps / action_step))
        if sequential:
            try:
                for stage in stages:
                    await stage
            finally:
                for stage in stages:  # after a failure, the stages never started
                    stage.close()
        else:
            try:
                async with asyncio.TaskGroup() as group:
                    for stage in stages:
                        group.create_task(stage)
            except ExceptionGroup as group_error:
                raise first_error(group_error) from None
        if not hint:
            await self._decide(info, recognizer, info.fps / pose_step)
        await self._finish(info)

    async def _decode(
        self,
        reader: VideoReader,
        pose_step: int,
        action_step: int,
        pose_queue: asyncio.Queue,
        action_queue: asyncio.Queue | None,
    ) -> None:
        frames = iter(reader)
        decoded, sent_to_action, total = 0, 0, reader.info.frame_count
        for_pose: list[VideoFrame] = []
        while batch := await self._in_decoder(_next_frames, frames, DECODE_BATCH):
            if not decoded:
                height, width = batch[0].image.shape[:2]
                self._decoded_size = (width, height)
            decoded += len(batch)
            FRAMES_DECODED.inc(len(batch))
            for_pose += [f for f in batch if f.index % pose_step == 0]
            if len(for_pose) >= self.settings.pose_batch:
                await pose_queue.put(for_pose)
                for_pose = []
            if action_queue is not None and sent_to_action < ACTION_MAX_FRAMES:
                chosen = [f for f in batch if f.index % action_step == 0]
                chosen = chosen[: ACTION_MAX_FRAMES - sent_to_action]
                sent_to_action += len(chosen)
                await action_queue.put(chosen)
            self._progress(Stage.STAGE_DECODE, decoded, max(total, decoded))
        await pose_queue.put(for_pose)
        await pose_queue.put(None)
        if action_queue is not None:
            await action_queue.put(None)

    async def _estimate_poses(self, queue: asyncio.Queue, info: VideoInfo, expected: int) -> None:
        """Streams the sampled frames to the pose service; a stream whose replica is lost is
        sent again, from its first frame, to another (`gateway.replay`)."""

        async def to_request(batch: list[VideoFrame]) -> pose_pb2.EstimatePosesRequest:
            frames = await asyncio.to_thread(_frame_messages, batch)
            return pose_pb2.EstimatePosesRequest(frames=frames)

        requests = ReplayableRequests(queue, to_request)
        pauses = iter(REPLAY_PAUSES_SECONDS)
        while True:
            call = self.backends.pose.EstimatePoses(requests.stream(), **self._call_options())
            try:
                await self._take_poses(call, info, expected)
                return
            except grpc.aio.AioRpcError as error:
                pause = next(pauses, None)
                if pause is None or not replica_lost(error):
                    raise backend_error("pose", error) from error
                logger.warning(
                    "analysis %s: the pose stream lost its replica (%s); sending it again",
                    self.analysis_id,
                    error.details(),
                )
                await asyncio.sleep(pause)

    async def _take_poses(self, call: AsyncIterator, info: VideoInfo, expected: int) -> None:
        """Keeps the poses of frames not posed yet (a replayed stream answers again from its
        first frame) and scores as they come."""
        async for response in call:
            last = self.poses[-1].frame_index if self.poses else -1
            fresh = [pose for pose in response.poses if pose.frame_index > last]
            if not fresh:
                continue
            width, height = self._decoded_size
            for pose in fresh:
                scaled_pose(pose, info.width / width, info.height / height)
            self.poses.extend(fresh)
            self._progress(Stage.STAGE_POSE, len(self.poses), max(expected, len(self.poses)))
            await self._stream_scores(info, final=False)

    async def _recognise(self, queue: asyncio.Queue, fps: float) -> None:
        async def requests() -> AsyncIterator[action_pb2.RecognizeRequest]:
            first = True
            while (batch := await queue.get()) is not None:
                if batch:
                    frames = await asyncio.to_thread(_frame_messages, batch, ACTION_SHORT_SIDE)
                    yield action_pb2.RecognizeRequest(
                        frames=frames,
                        fps=fps if first else 0.0,
                        top_k=EVERY_CLASS if first else 0,
                    )
                    first = False

        self.video_answer = await backend_call(
            "action", self.backends.action.Recognize(requests(), **self._call_options())
        )

    async def _decide(self, info: VideoInfo, recognizer: str, pose_rate: float) -> None:
        """Asks the keypoint classifier (unless the 3D ResNet decides alone) and sets the
        verdict. Fused recognition falls back to the 3D ResNet where the action service has
        no keypoint model.

        The classifier reads poses at `SEQUENCE_FPS`: it is sent about that many a second
        (posed at `pose_rate`), at most `ACTION_MAX_FRAMES`, from the start, as the 3D ResNet
        is sent its first frames."""
        keypoint_answer = None
        if recognizer != "video":
            if not self.poses:
                raise InvalidInputError("no frame of the video could be posed")
            step = max(1, round(pose_rate / SEQUENCE_FPS))
            request = action_pb2.RecognizeKeypointsRequest(
                poses=self.poses[::step][:ACTION_MAX_FRAMES], fps=info.fps, top_k=EVERY_CLASS
            )
            try:
                keypoint_answer = await backend_call(
                    "action",
                    self.backends.action.RecognizeKeypoints(request, **self._call_options()),
                )
            except NotReadyError:
                if recognizer == "keypoints" or self.video_answer is None:
                    raise
        self._set_exercise(verdict(self.fusion, recognizer, self.video_answer, keypoint_answer))

    def _set_exercise(self, exercise: gateway_pb2.ExerciseRecognized) -> None:
        self.exercise = exercise
        self.events.put_nowait(gateway_pb2.AnalyzeVideoResponse(exercise=exercise))

    async def _score(self, info: VideoInfo) -> scoring_pb2.ScoreResponse:
        assert self.exercise is not None
        request = scoring_pb2.ScoreRequest(
            exercise_id=self.exercise.exercise_id,
            poses=self.poses,
            frame_width=info.width,
            frame_height=info.height,
            scorer=self.options.scorer,
            fps=info.fps,
        )
        return await backend_call(
            "scoring", self.backends.scoring.Score(request, **self._call_options())
        )

    async def _stream_scores(
        self, info: VideoInfo, *, final: bool
    ) -> scoring_pb2.ScoreResponse | None:
        """Scores everything posed so far once the exercise is known; streams new frames."""
        if self.exercise is None or not self.poses:
            return None
        if not final and not self.options.stream_frame_scores:
            return None
        scores = await self._score(info)
        if self.options.stream_frame_scores:
            fresh = scores.frames[self._scored_frames :]
            if fresh:
                self._scored_frames = len(scores.frames)
                self.events.put_nowait(
                    gateway_pb2.AnalyzeVideoResponse(
                        frame_scores=gateway_pb2.FrameScores(frames=fresh)
                    )
                )
        return scores

    async def _finish(self, info: VideoInfo) -> None:
        assert self.exercise is not None
        scores = None
        if self.exercise.verdict == self.exercise.Verdict.VERDICT_RECOGNIZED:
            self._progress(Stage.STAGE_SCORE, 0, len(self.poses))
            scores = await self._stream_scores(info, final=True)
            if scores is None:
                raise InvalidInputError("no frame of the video could be posed")
            self._progress(Stage.STAGE_SCORE, len(self.poses), len(self.poses))
        report = gateway_pb2.Report(
            analysis_id=self.analysis_id,
            file_name=self.upload.metadata.file_name,
            video=info.to_proto(),
            elapsed_seconds=time.monotonic() - self.started,
        )
        report = final_report(report, self.exercise, self.poses, scores)
        self.events.put_nowait(gateway_pb2.AnalyzeVideoResponse(report=report))


def _next_frames(frames: Iterator[VideoFrame], count: int) -> list[VideoFrame]:
    batch = []
    for frame in frames:
        batch.append(frame)
        if len(batch) == count:
            break
    return batch


def first_error(group: BaseExceptionGroup) -> BaseException:
    """The error to report from a failed task group: a product error before any other."""
    leaves: list[BaseException] = []

    def collect(error: BaseException) -> None:
        if isinstance(error, BaseExceptionGroup):
            for inner in error.exceptions:
                collect(inner)
        else:
            leaves.append(error)

    collect(group)
    return next((e for e in leaves if isinstance(e, FitnessError)), leaves[0])
