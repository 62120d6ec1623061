"""`fitness.v1.PoseEstimator`: one person's 17 keypoints per frame, over TorchServe or in process.

A stream carries one video in batches. Without caller boxes, `PersonTracker` follows the
person, looking for them among the person detector's boxes (`follow_detected`) or in the whole
frame; with them, each frame is estimated in its box. Every `people_every`-th frame of a stream
also goes to the person detector, which runs in this process under either backend (it is
small), and the pose's `others` lists who else is in view.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence

import grpc
import numpy as np

from common.device import pick_device
from common.errors import InvalidInputError
from common.fitness.v1 import common_pb2, pose_pb2, pose_pb2_grpc
from common.images import decode_image
from common.metrics import FRAMES_POSED
from common.server import ServiceBinding, run_service, serve
from common.torchserve import InferenceClient, hosted_torchserve
from pose_service.backends import InProcessBackend, PoseBackend, TorchServeBackend
from pose_service.detector import PersonDetector, load_detector, others
from pose_service.inference import PosePredictor
from pose_service.settings import PoseSettings
from pose_service.tracking import Box, PersonTracker
from pose_service.train import load_weights

logger = logging.getLogger(__name__)

INSTANCE_CONFIDENCE = 0.2  # joints above it count towards a pose's score, as published


def frames_of(request: pose_pb2.EstimatePosesRequest, max_batch_size: int) -> list[np.ndarray]:
    """The RGB frames of a request, checked."""
    if not request.frames:
        raise InvalidInputError("a batch needs at least one frame")
    if len(request.frames) > max_batch_size:
        raise InvalidInputError(
            f"a batch of {len(request.frames)} frames is over the cap of {max_batch_size}: "
            "send smaller batches"
        )
    frames = []
    for position, frame in enumerate(request.frames):
        try:
            frames.append(decode_image(frame.image))
        except InvalidInputError as error:
            raise InvalidInputError(
                f"frame {frame.index} (#{position} of the batch): {error}"
            ) from error
    return frames


def boxes_of(request: pose_pb2.EstimatePosesRequest, frames: list[np.ndarray]) -> list[Box]:
    """The caller's boxes, checked against the frames."""
    if len(request.boxes) != len(frames):
        raise InvalidInputError(
            f"{len(request.boxes)} boxes for {len(frames)} frames: send one box per frame or none"
        )
    boxes = []
    for box, frame in zip(request.boxes, frames, strict=True):
        height, width = frame.shape[:2]
        inside = (
            box.x < width and box.y < height and box.x + box.width > 0 and box.y + box.height > 0
        )
        if box.width <= 0 or box.height <= 0 or not inside:
            raise InvalidInputError(
                f"box ({box.x:g}, {box.y:g}, {box.width:g}, {box.height:g}) is outside the "
                f"{width}x{height} frame or empty"
            )
        boxes.append((box.x, box.y, box.width, box.height))
    return boxes


def inside_frame(keypoints: np.ndarray, frame: np.ndarray) -> np.ndarray:
    """Keypoints (17, 3) with those outside the frame clamped to its edge and given score 0:
    the model may place a joint beyond the border, but the frame cannot show it. Scores are
    clipped to [0, 1] (a heatmap's maximum may pass 1)."""
    height, width = frame.shape[:2]
    result = keypoints.copy()
    result[:, 2] = result[:, 2].clip(0.0, 1.0)
    outside = (
        (result[:, 0] < 0) | (result[:, 0] > width) | (result[:, 1] < 0) | (result[:, 1] > height)
    )
    result[:, 0] = result[:, 0].clip(0, width)
    result[:, 1] = result[:, 1].clip(0, height)
    result[outside, 2] = 0.0
    return result


def pose_message(keypoints: np.ndarray, box: Box) -> common_pb2.Pose:
    """A `Pose` of keypoints (17, 3) found in `box`."""
    confident = keypoints[:, 2][keypoints[:, 2] > INSTANCE_CONFIDENCE]
    return common_pb2.Pose(
        keypoints=[
            common_pb2.Keypoint(x=float(x), y=float(y), score=float(s)) for x, y, s in keypoints
        ],
        box=common_pb2.Box(x=box[0], y=box[1], width=box[2], height=box[3]),
        score=float(confident.mean()) if len(confident) else 0.0,
    )


def others_message(
    detector: PersonDetector, frames: list[np.ndarray], keypoints: np.ndarray
) -> list[common_pb2.OtherPeople]:
    """The other people in view in each frame, besides the person of its keypoints (17, 3)."""
    messages = []
    for people, points in zip(detector.detect(frames), keypoints, strict=True):
        boxes = [
            common_pb2.Box(x=x, y=y, width=w, height=h)
            for x, y, w, h in (person.box for person in others(people, points))
        ]
        messages.append(common_pb2.OtherPeople(boxes=boxes))
    return messages


class PoseEstimator(pose_pb2_grpc.PoseEstimatorServicer):
    """Estimates poses with a backend; tracks the person box within each stream (looking for
    the person among the detected people when it has a detector); checks every
    `people_every`-th frame for other people when it has a detector."""

    def __init__(
        self,
        backend: PoseBackend,
        settings: PoseSettings,
        detector: PersonDetector | None = None,
    ) -> None:
        self.backend = backend
        self.settings = settings
        self.detector = detector

    async def EstimatePoses(
        self,
        request_iterator: AsyncIterator[pose_pb2.EstimatePosesRequest],
        context: grpc.aio.ServicerContext,
    ) -> AsyncIterator[pose_pb2.EstimatePosesResponse]:
        follow = self.detector.find if self.detector and self.settings.follow_detected else None
        tracker = PersonTracker(
            self.backend.estimate, stride=self.settings.track_stride, find_people=follow
        )
        every = self.settings.people_every if self.detector else 0
        seen = 0
        async for request in request_iterator:
            frames = frames_of(request, self.settings.max_batch_size)
            if request.boxes:
                boxes = boxes_of(request, frames)
                keypoints = await self.backend.estimate(frames, boxes)
            else:
                keypoints, boxes = await tracker.track(frames)
            poses = [
                common_pb2.FramePose(
                    frame_index=frame.index, pose=pose_message(inside_frame(k, pixels), box)
                )
                for frame, pixels, k, box in zip(
                    request.frames, frames, keypoints, boxes, strict=True
                )
            ]
            checked = [i for i in range(len(frames)) if every and (seen + i) % every == 0]
            seen += len(frames)
            if checked:
                found = await asyncio.to_thread(
                    others_message,
                    self.detector,
                    [frames[i] for i in checked],
                    keypoints[checked],
                )
                for i, people in zip(checked, found, strict=True):
                    poses[i].others.CopyFrom(people)
            FRAMES_POSED.inc(len(poses))
            yield pose_pb2.EstimatePosesResponse(poses=poses)

    async def GetModelInfo(
        self, request: pose_pb2.GetModelInfoRequest, context: grpc.aio.ServicerContext
    ) -> pose_pb2.GetModelInfoResponse:
        width, height = self.backend.input_size
        return pose_pb2.GetModelInfoResponse(
            model_name=self.backend.model_name,
            input_width=width,
            input_height=height,
            max_batch_size=self.settings.max_batch_size,
            backend=self.backend.name,
        )


def create_backend(settings: PoseSettings) -> PoseBackend:
    """The backend the settings ask for."""
    if settings.backend == "torchserve":
        client = InferenceClient.from_settings(settings)
        return TorchServeBackend(client, settings.torchserve_model)
    if not settings.weights.is_file():
        raise FileNotFoundError(f"no pose weights at {settings.weights}: set --weights")
    model, input_size = load_weights(settings.weights)
    device = pick_device("auto")
    predictor = PosePredictor(
        model.eval().to(device), input_size, settings.flip_test, device, settings.decoding
    )
    return InProcessBackend(predictor, settings.weights.stem)


def create_detector(settings: PoseSettings) -> PersonDetector | None:
    """The person detector the settings ask for; None when neither the other-people check
    nor following the detected person wants it."""
    if not settings.people_every and not settings.follow_detected:
        return None
    if not settings.detector_weights.is_file():
        raise FileNotFoundError(
            f"no person detector weights at {settings.detector_weights}: set "
            "--detector-weights, or --people-every 0 and --no-follow-detected to run without one"
        )
    return load_detector(settings.detector_weights, device=pick_device("auto"))


def binding(backend: PoseBackend, settings: PoseSettings) -> ServiceBinding:
    """The pose service with the person detector its settings name, ready for
    `common.server`."""
    return ServiceBinding(
        pose_pb2.DESCRIPTOR.services_by_name["PoseEstimator"],
        PoseEstimator(backend, settings, create_detector(settings)),
        pose_pb2_grpc.add_PoseEstimatorServicer_to_server,
    )


async def serve_pose(settings: PoseSettings) -> None:
    """Loads the model backend (starting TorchServe first when the settings name a model
    store) and serves until SIGTERM or SIGINT."""
    with hosted_torchserve(settings, [settings.torchserve_model]) as settings:
        await serve(settings, [binding(create_backend(settings), settings)])


def main(argv: Sequence[str] | None = None) -> None:
    """`fitness serve pose`: runs the service until SIGTERM or SIGINT."""
    run_service(PoseSettings, serve_pose, argv, "fitness serve pose")


if __name__ == "__main__":
    main()
