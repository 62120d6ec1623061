"""`fitness.v1.ActionRecognizer`: which exercise a video shows, over TorchServe or in process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import grpc
import numpy as np

from action_service.backends import ActionBackend, InProcessBackend, TorchServeBackend
from action_service.checkpoint import load_weights
from action_service.classes import EXERCISES
from action_service.clips import estimated_fps, frame_step, resize_short_side
from action_service.inference import ActionPredictor
from action_service.settings import ActionSettings
from common.errors import InvalidInputError, LimitExceededError
from common.fitness.v1 import action_pb2, action_pb2_grpc, common_pb2
from common.images import decode_image
from common.server import ServiceBinding, run_service, serve
from common.torchserve import InferenceClient

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


class ActionRecognizer(action_pb2_grpc.ActionRecognizerServicer):
    """Recognises the exercise of the streamed frames with a backend."""

    def __init__(self, backend: ActionBackend, settings: ActionSettings) -> None:
        self.backend = backend
        self.settings = settings

    async def Recognize(
        self,
        request_iterator: AsyncIterator[action_pb2.RecognizeRequest],
        context: grpc.aio.ServicerContext,
    ) -> action_pb2.RecognizeResponse:
        frames, top_k = await collect_frames(request_iterator, self.settings.max_frames)
        classes, probabilities = await self.backend.recognize(frames)
        order = np.argsort(probabilities)[::-1][:top_k]
        return action_pb2.RecognizeResponse(
            top_k=[
                common_pb2.ExerciseProbability(
                    exercise_id=classes[i], probability=float(probabilities[i])
                )
                for i in order
            ],
            clips=self.backend.clips if len(frames) > 16 else 1,
            model_name=self.backend.model_name,
        )

    async def ListClasses(
        self, request: action_pb2.ListClassesRequest, context: grpc.aio.ServicerContext
    ) -> action_pb2.ListClassesResponse:
        return action_pb2.ListClassesResponse(exercise_ids=self.backend.classes)


def create_backend(settings: ActionSettings) -> ActionBackend:
    """The backend the settings ask for."""
    if settings.backend == "torchserve":
        client = InferenceClient.from_settings(settings)
        return TorchServeBackend(client, settings.torchserve_model, EXERCISES, clips=3)
    if not settings.weights.is_file():
        raise FileNotFoundError(f"no action weights at {settings.weights}: set --weights")
    model, classes = load_weights(settings.weights)
    return InProcessBackend(ActionPredictor(model.eval(), classes), settings.weights.stem)


def binding(backend: ActionBackend, settings: ActionSettings) -> ServiceBinding:
    """The action service, ready for `common.server`."""
    return ServiceBinding(
        action_pb2.DESCRIPTOR.services_by_name["ActionRecognizer"],
        ActionRecognizer(backend, settings),
        action_pb2_grpc.add_ActionRecognizerServicer_to_server,
    )


async def serve_action(settings: ActionSettings) -> None:
    """Loads the model backend and serves until SIGTERM or SIGINT."""
    await serve(settings, [binding(create_backend(settings), settings)])


def main(argv: Sequence[str] | None = None) -> None:
    """`fitness serve action`: runs the service until SIGTERM or SIGINT."""
    run_service(ActionSettings, serve_action, argv, "fitness serve action")


if __name__ == "__main__":
    main()
