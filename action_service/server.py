"""`fitness.v1.ActionRecognizer`: which exercise a video shows, from its frames (the 3D ResNet)
or its poses (the keypoint classifier), over TorchServe or in process."""

from __future__ import annotations

import logging
import math
from collections.abc import AsyncIterator, Sequence

import grpc
import numpy as np

from action_service.backends import (
    ActionBackend,
    InProcessBackend,
    KeypointBackend,
    TorchServeBackend,
)
from action_service.checkpoint import load_predictor, load_skeleton_weights
from action_service.classes import EXERCISES, KEYPOINT_CLASSES
from action_service.clips import estimated_fps, frame_step, resize_short_side
from action_service.inference import ActionPredictor, KeypointPredictor
from action_service.payload import encode_keypoints_request, encode_request
from action_service.sequences import KeypointSequence, resample, window_starts
from action_service.settings import ActionSettings
from common.errors import InvalidInputError, LimitExceededError, NotReadyError
from common.fitness.v1 import action_pb2, action_pb2_grpc, common_pb2
from common.images import decode_image
from common.server import ServiceBinding, run_service, serve
from common.skeleton import pose_arrays
from common.torchserve import InferenceClient, ModelNotRegisteredError, hosted_torchserve

logger = logging.getLogger(__name__)

DEFAULT_TOP_K = 3


async def collect_frames(
    requests: AsyncIterator[action_pb2.RecognizeRequest], max_frames: int
) -> tuple[list[np.ndarray], int]:
    """The decoded frames of a stream, thinned to about 25 fps (`action_service.clips.frame_step`)
    by the first request's `fps` or else the frames' timestamps and resized to the clips' 112-pixel
    short side, and the `top_k` the first request asked for."""
    frames: list[np.ndarray] = []
    timestamps: list[float] = []
    top_k, fps, first = 0, 0.0, True
    async for request in requests:
        if first:
            top_k, fps, first = request.top_k, request.fps, False
        if len(frames) + len(request.frames) > max_frames:
            raise LimitExceededError(
                f"more than {max_frames} frames for one video: sample it more sparsely"
            )
        for frame in request.frames:
            try:
                frames.append(decode_image(frame.image))
                timestamps.append(frame.timestamp_seconds)
            except InvalidInputError as error:
                raise InvalidInputError(f"frame {frame.index}: {error}") from error
    if not frames:
        raise InvalidInputError("no frames: send at least one")
    sizes = {frame.shape for frame in frames}
    if len(sizes) > 1:
        raise InvalidInputError(f"frames of one video must share one size, got {sorted(sizes)}")
    step = frame_step(fps or estimated_fps(timestamps))
    # The clips need a 112-pixel short side: shrinking here keeps model requests small.
    return [resize_short_side(frame) for frame in frames[::step]], top_k or DEFAULT_TOP_K


def keypoint_sequence(
    request: action_pb2.RecognizeKeypointsRequest, max_frames: int
) -> KeypointSequence:
    """The request's poses as a sequence timed `frame_index / fps`, checked.

    Raises:
        InvalidInputError: No poses, a missing or non-positive `fps`, frame indices that
            do not increase, a pose without 17 keypoints, or NaN or infinite values.
        LimitExceededError: More than `max_frames` poses.
    """
    indices, keypoints = pose_arrays(request.poses, max_frames)
    if not (math.isfinite(request.fps) and request.fps > 0):
        raise InvalidInputError(f"fps must be the video's positive frame rate, got {request.fps:g}")
    return KeypointSequence(keypoints, indices / request.fps)


def top_classes(
    classes: list[str], probabilities: np.ndarray, top_k: int
) -> list[common_pb2.ExerciseProbability]:
    """The `top_k` most probable classes (0 or less: `DEFAULT_TOP_K`), most probable first."""
    order = np.argsort(probabilities)[::-1][: top_k if top_k > 0 else DEFAULT_TOP_K]
    return [
        common_pb2.ExerciseProbability(exercise_id=classes[i], probability=float(probabilities[i]))
        for i in order
    ]


class ActionRecognizer(action_pb2_grpc.ActionRecognizerServicer):
    """Recognises the exercise of the streamed frames, or of a video's poses, with a backend
    each; `keypoints` is None when the service runs without the keypoint classifier."""

    def __init__(
        self,
        backend: ActionBackend,
        settings: ActionSettings,
        keypoints: KeypointBackend | None = None,
    ) -> None:
        self.backend = backend
        self.settings = settings
        self.keypoints = keypoints

    async def Recognize(
        self,
        request_iterator: AsyncIterator[action_pb2.RecognizeRequest],
        context: grpc.aio.ServicerContext,
    ) -> action_pb2.RecognizeResponse:
        frames, top_k = await collect_frames(request_iterator, self.settings.max_frames)
        classes, probabilities = await self.backend.recognize(frames)
        clips = self.backend.clips if len(frames) > 16 else 1
        return action_pb2.RecognizeResponse(
            top_k=top_classes(classes, probabilities, top_k),
            clips=clips,
            model_name=self.backend.model_name,
        )

    async def RecognizeKeypoints(
        self, request: action_pb2.RecognizeKeypointsRequest, context: grpc.aio.ServicerContext
    ) -> action_pb2.RecognizeKeypointsResponse:
        if self.keypoints is None:
            raise NotReadyError(
                "this action service runs without a keypoint classifier (its --keypoints, "
                "--keypoint-weights and --keypoint-torchserve-model settings): send the "
                "video's frames to Recognize instead"
            )
        sequence = keypoint_sequence(request, self.settings.max_frames)
        try:
            classes, probabilities = await self.keypoints.recognize(sequence)
        except ModelNotRegisteredError as error:
            raise NotReadyError(f"the keypoint classifier is not registered: {error}") from error
        windows = len(window_starts(len(resample(sequence)), windows=self.keypoints.clips))
        return action_pb2.RecognizeKeypointsResponse(
            top_k=top_classes(classes, probabilities, request.top_k),
            windows=windows,
            model_name=self.keypoints.model_name,
        )

    async def ListClasses(
        self, request: action_pb2.ListClassesRequest, context: grpc.aio.ServicerContext
    ) -> action_pb2.ListClassesResponse:
        return action_pb2.ListClassesResponse(
            exercise_ids=self.backend.classes,
            keypoint_classes=self.keypoints.classes if self.keypoints else [],
        )


def create_backend(settings: ActionSettings) -> ActionBackend:
    """The 3D ResNet's backend the settings ask for."""
    if settings.backend == "torchserve":
        client = InferenceClient.from_settings(settings)
        return TorchServeBackend(
            client, settings.torchserve_model, EXERCISES, ActionPredictor.clips, encode_request
        )
    if not settings.weights.is_file():
        raise FileNotFoundError(f"no action weights at {settings.weights}: set --weights")
    predictor = load_predictor(settings.weights)
    return InProcessBackend(predictor, settings.weights.stem, predictor.clips)


def create_keypoint_backend(settings: ActionSettings) -> KeypointBackend | None:
    """The keypoint classifier's backend the settings ask for; None without one (with
    `--no-keypoints`, or in process when its weights file does not exist)."""
    if not settings.keypoints:
        return None
    if settings.backend == "torchserve":
        model = settings.keypoint_torchserve_model
        client = InferenceClient.from_settings(settings, model)
        return TorchServeBackend(
            client, model, KEYPOINT_CLASSES, KeypointPredictor.windows, encode_keypoints_request
        )
    if not settings.keypoint_weights.is_file():
        return None
    model, classes = load_skeleton_weights(settings.keypoint_weights)
    predictor = KeypointPredictor(model.eval(), classes)
    return InProcessBackend(predictor, settings.keypoint_weights.stem, predictor.windows)


def binding(
    backend: ActionBackend, settings: ActionSettings, keypoints: KeypointBackend | None = None
) -> ServiceBinding:
    """The action service, ready for `common.server`; without `keypoints`, it runs without
    the keypoint classifier."""
    return ServiceBinding(
        action_pb2.DESCRIPTOR.services_by_name["ActionRecognizer"],
        ActionRecognizer(backend, settings, keypoints),
        action_pb2_grpc.add_ActionRecognizerServicer_to_server,
    )


async def serve_action(settings: ActionSettings) -> None:
    """Loads the model backends (starting TorchServe first when the settings name a model
    store) and serves until SIGTERM or SIGINT."""
    optional = [settings.keypoint_torchserve_model] if settings.keypoints else []
    with hosted_torchserve(settings, [settings.torchserve_model], optional) as settings:
        keypoints = create_keypoint_backend(settings)
        if keypoints is None and settings.keypoints:
            logger.warning(
                "no keypoint classifier weights at %s: RecognizeKeypoints answers "
                "FAILED_PRECONDITION",
                settings.keypoint_weights,
            )
        await serve(settings, [binding(create_backend(settings), settings, keypoints)])


def main(argv: Sequence[str] | None = None) -> None:
    """`fitness serve action`: runs the service until SIGTERM or SIGINT."""
    run_service(ActionSettings, serve_action, argv, "fitness serve action")


if __name__ == "__main__":
    main()
