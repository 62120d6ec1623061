"""`fitness.v1.KeypointScorer`: scores a keypoint sequence against an exercise's indexes."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Sequence

import grpc
import numpy as np

from common.errors import (
    InvalidInputError,
    NotFoundError,
    NotReadyError,
)
from common.fitness.v1 import scoring_pb2, scoring_pb2_grpc
from common.metrics import FRAMES_SCORED
from common.server import ServiceBinding, run_service, serve
from common.skeleton import pose_arrays
from scoring_service.catalogue import load_catalogue
from scoring_service.index import SCORERS, ExerciseIndex, IndexStore
from scoring_service.rep_scores import RepScore
from scoring_service.scorers import score_performance
from scoring_service.settings import ScoringSettings

# Keypoints may sit on the frame's border; a pixel of slack absorbs rounding.
_EDGE_SLACK = 1.0


def keypoints_of(
    request: scoring_pb2.ScoreRequest, max_poses: int
) -> tuple[np.ndarray, np.ndarray]:
    """The request's frame indices (F,) and poses as keypoints (F, 17, 3), checked.

    Raises:
        InvalidInputError: No poses, a pose without 17 keypoints, frames out of order, a
            missing frame size, or NaN, infinite or out-of-frame coordinates.
        LimitExceededError: More than `max_poses` poses.
    """
    indices, keypoints = pose_arrays(request.poses, max_poses)
    width, height = request.frame_width, request.frame_height
    if width <= 0 or height <= 0:
        raise InvalidInputError(
            f"frame_width and frame_height must be positive, got {width}x{height}"
        )
    x, y, score = keypoints[..., 0], keypoints[..., 1], keypoints[..., 2]
    outside = (
        (x < -_EDGE_SLACK)
        | (x > width + _EDGE_SLACK)
        | (y < -_EDGE_SLACK)
        | (y > height + _EDGE_SLACK)
    ).any(axis=1) | ((score < 0) | (score > 1)).any(axis=1)
    if outside.any():
        frame = indices[int(np.argmax(outside))]
        raise InvalidInputError(
            f"frame {frame}: a keypoint lies outside the {width}x{height} frame "
            "or has a score outside [0, 1]"
        )
    return indices, keypoints


def rep_message(
    rep: RepScore, number: int, indices: np.ndarray, joints: list[int]
) -> scoring_pb2.RepScore:
    """The scored rep numbered `number`, its positions in the sequence turned into the frames'
    indices and its joints (positions in the major joints) into `Joint` values."""
    return scoring_pb2.RepScore(
        start_frame_index=int(indices[rep.rep.start]),
        turn_frame_index=int(indices[rep.rep.turn]),
        end_frame_index=int(indices[rep.rep.end]),
        seconds=rep.rep.seconds,
        range_of_motion=rep.rep.range_of_motion,
        joints=[
            scoring_pb2.JointScore(joint=joint, score=float(score))
            for joint, score in zip(joints, rep.joint_scores, strict=True)
        ],
        overall=rep.overall,
        worst_joint=joints[rep.worst_joint],
        worst_frame_index=int(indices[rep.worst_frame]),
        deviations=rep.deviations.tolist(),
        cues=rep.cue_words(number),
        unjudged_cues=rep.unjudged_words(number),
    )


class KeypointScorer(scoring_pb2_grpc.KeypointScorerServicer):
    """Scores performances with the indexes of an `IndexStore`."""

    def __init__(self, store: IndexStore, settings: ScoringSettings) -> None:
        self.store = store
        self.settings = settings

    def _index(self, exercise_id: str) -> ExerciseIndex:
        if exercise_id not in self.store.catalogue:
            known = ", ".join(sorted(self.store.catalogue))
            raise NotFoundError(f"unknown exercise {exercise_id!r}; known: {known}")
        loaded = self.store.current
        if exercise_id not in loaded.indexes:
            raise NotReadyError(loaded.unavailable.get(exercise_id, f"no index for {exercise_id}"))
        return loaded.indexes[exercise_id]

    async def Score(
        self, request: scoring_pb2.ScoreRequest, context: grpc.aio.ServicerContext
    ) -> scoring_pb2.ScoreResponse:
        scorer_name = request.scorer or self.settings.scorer
        if scorer_name not in SCORERS:
            raise InvalidInputError(f"unknown scorer {scorer_name!r}; choose {sorted(SCORERS)}")
        index = self._index(request.exercise_id)
        indices, keypoints = keypoints_of(request, self.settings.max_poses)
        if scorer_name not in index.scorers:
            raise NotReadyError(
                f"the index of {request.exercise_id} has no {scorer_name!r} scorer (the view "
                "scorer needs 3D reference poses: `fitness index views`); it has "
                f"{sorted(index.scorers)}"
            )
        scorer = index.scorers[scorer_name]
        result = await asyncio.to_thread(score_performance, scorer, keypoints)
        FRAMES_SCORED.inc(len(keypoints))
        reps = (
            await asyncio.to_thread(
                functools.partial(
                    index.reps.score,
                    ongoing=request.ongoing,
                    views=index.views,
                ),
                keypoints,
                indices / (request.fps or 30.0),
                index.exercise.cues,
            )
            if index.reps is not None
            else []
        )
        joints = [joint + 1 for joint in scorer.joints]
        frames = [
            scoring_pb2.FrameScore(
                frame_index=request.poses[position].frame_index,
                joints=[
                    scoring_pb2.JointScore(joint=joint, score=score, running_score=running)
                    for joint, score, running in zip(
                        joints, result.frame_scores[row], result.running[row], strict=True
                    )
                ],
                overall=float(result.frame_scores[row].mean()),
            )
            for row, position in enumerate(result.frames)
        ]
        return scoring_pb2.ScoreResponse(
            exercise_id=request.exercise_id,
            frames=frames,
            joints=[
                scoring_pb2.JointScore(joint=joint, score=float(score))
                for joint, score in zip(joints, result.joint_scores, strict=True)
            ],
            overall=result.overall,
            scorer=scorer_name,
            reps=[rep_message(rep, number, indices, joints) for number, rep in enumerate(reps, 1)],
            preferred_view=index.exercise.preferred_view,
        )

    async def ListExercises(
        self, request: scoring_pb2.ListExercisesRequest, context: grpc.aio.ServicerContext
    ) -> scoring_pb2.ListExercisesResponse:
        loaded = self.store.current
        return scoring_pb2.ListExercisesResponse(
            exercises=[index.exercise.to_proto() for index in loaded.indexes.values()],
            unavailable=loaded.unavailable,
        )


def binding(store: IndexStore, settings: ScoringSettings) -> ServiceBinding:
    """The scoring service, ready for `common.server`."""
    return ServiceBinding(
        scoring_pb2.DESCRIPTOR.services_by_name["KeypointScorer"],
        KeypointScorer(store, settings),
        scoring_pb2_grpc.add_KeypointScorerServicer_to_server,
    )


async def serve_scoring(settings: ScoringSettings) -> None:
    """Serves until SIGTERM or SIGINT, reloading changed indexes meanwhile."""
    store = IndexStore(settings.index_dir, load_catalogue(settings.exercises))
    watcher = (
        asyncio.create_task(store.watch(settings.reload_seconds))
        if settings.reload_seconds > 0
        else None
    )
    try:
        await serve(settings, [binding(store, settings)])
    finally:
        if watcher is not None:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher


def main(argv: Sequence[str] | None = None) -> None:
    """`fitness serve scoring`: runs the service until SIGTERM or SIGINT."""
    run_service(ScoringSettings, serve_scoring, argv, "fitness serve scoring")


if __name__ == "__main__":
    main()
