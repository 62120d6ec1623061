"""Real servicers with canned behaviour, for testing the shared server runtime.

They implement the product's generated service bases, so the bootstrap, interceptor and
channels are exercised exactly as the services use them, without models or indexes.
Run as a process: `python -m tests.common.doubles --port 0 --delay-seconds 2`.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator

import grpc
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from common.errors import BackendUnavailableError, InvalidInputError, NotFoundError
from common.fitness.v1 import (
    common_pb2,
    pose_pb2,
    pose_pb2_grpc,
    scoring_pb2,
    scoring_pb2_grpc,
)
from common.logs import configure_logging
from common.server import ServiceBinding, serve
from common.settings import ServerSettings

logger = logging.getLogger(__name__)


class SlowScorer(scoring_pb2_grpc.KeypointScorerServicer):
    """`ListExercises` answers after a delay; `Score` fails as its exercise id asks."""

    def __init__(self, delay_seconds: float = 0.0, replica: str = "") -> None:
        self.delay_seconds = delay_seconds
        self.replica = replica
        self.calls = 0
        self.score_calls = 0
        # `Score` answers UNAVAILABLE this many times before it succeeds.
        self.unavailable_first = 0

    async def ListExercises(
        self, request: scoring_pb2.ListExercisesRequest, context: grpc.aio.ServicerContext
    ) -> scoring_pb2.ListExercisesResponse:
        self.calls += 1
        logger.info("ListExercises started on replica %r", self.replica)
        await asyncio.sleep(self.delay_seconds)
        exercise = common_pb2.Exercise(id="BodyWeightSquats", display_name=self.replica)
        return scoring_pb2.ListExercisesResponse(exercises=[exercise])

    async def Score(
        self, request: scoring_pb2.ScoreRequest, context: grpc.aio.ServicerContext
    ) -> scoring_pb2.ScoreResponse:
        self.score_calls += 1
        if self.unavailable_first > 0:
            self.unavailable_first -= 1
            raise BackendUnavailableError("the scorer is warming up")
        if request.exercise_id == "Unknown":
            raise NotFoundError("no exercise 'Unknown': call ListExercises for the known ids")
        if len(request.exercise_id) > 100:
            raise NotFoundError(f"no exercise {request.exercise_id!r}")
        if request.exercise_id == "Crash":
            raise RuntimeError("a bug the caller must not see")
        if request.exercise_id == "Forbidden":
            await context.abort(grpc.StatusCode.PERMISSION_DENIED, "not for you")
        return scoring_pb2.ScoreResponse(
            exercise_id=request.exercise_id, overall=len(request.poses)
        )


class EchoPoseEstimator(pose_pb2_grpc.PoseEstimatorServicer):
    """Answers each batch with empty poses for its frames; an empty batch is invalid."""

    async def EstimatePoses(
        self,
        request_iterator: AsyncIterator[pose_pb2.EstimatePosesRequest],
        context: grpc.aio.ServicerContext,
    ) -> AsyncIterator[pose_pb2.EstimatePosesResponse]:
        async for request in request_iterator:
            if not request.frames:
                raise InvalidInputError("a batch needs at least one frame")
            poses = [common_pb2.FramePose(frame_index=f.index) for f in request.frames]
            yield pose_pb2.EstimatePosesResponse(poses=poses)


def scorer_binding(scorer: SlowScorer) -> ServiceBinding:
    return ServiceBinding(
        scoring_pb2.DESCRIPTOR.services_by_name["KeypointScorer"],
        scorer,
        scoring_pb2_grpc.add_KeypointScorerServicer_to_server,
    )


def pose_binding() -> ServiceBinding:
    return ServiceBinding(
        pose_pb2.DESCRIPTOR.services_by_name["PoseEstimator"],
        EchoPoseEstimator(),
        pose_pb2_grpc.add_PoseEstimatorServicer_to_server,
    )


class DoubleSettings(ServerSettings):
    """Settings of the test server process."""

    model_config = SettingsConfigDict(env_prefix="DOUBLE_")

    delay_seconds: float = Field(0.0, description="How long ListExercises takes.")


def main(argv: list[str] | None = None) -> None:
    settings = DoubleSettings.from_args(sys.argv[1:] if argv is None else argv)
    configure_logging(settings.log_level)
    bindings = [scorer_binding(SlowScorer(settings.delay_seconds)), pose_binding()]
    asyncio.run(serve(settings, bindings))


if __name__ == "__main__":
    main()
